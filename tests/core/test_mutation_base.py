"""The one shape of every mutation: declared permissions, plain values, camelCase fields."""

from types import SimpleNamespace

import graphene
import pytest
from django.contrib.auth.models import AnonymousUser

from market.core.errors import DomainError, DomainErrors
from market.core.graphql.mutations import (
    BaseMutation,
    _cleaned,
    api_field_name,
    error_codes,
    error_type_for,
)
from market.core.permissions import ANYONE, OPERATOR, Requirement
from market.schema import schema

ProbeErrorCode = error_codes("ProbeErrorCode")
ProbeError = error_type_for("ProbeError", ProbeErrorCode)


def mutation_fields():
    return schema.graphql_schema.mutation_type.fields


def test_a_mutation_without_declared_permissions_fails_at_import():
    with pytest.raises(TypeError, match=r"Meta\.permissions"):

        class Undeclared(BaseMutation):
            class Meta:
                error_type = ProbeError
                error_code_enum = ProbeErrorCode

            @classmethod
            def perform(cls, _root, _info):
                return {}


def test_permissions_must_be_requirements():
    with pytest.raises(TypeError, match=r"Meta\.permissions"):

        class Misdeclared(BaseMutation):
            class Meta:
                error_type = ProbeError
                error_code_enum = ProbeErrorCode
                permissions = ("operator",)

            @classmethod
            def perform(cls, _root, _info):
                return {}


def test_the_rule_is_added_to_the_description():
    class Declared(BaseMutation):
        class Meta:
            description = "Do a thing."
            error_type = ProbeError
            error_code_enum = ProbeErrorCode
            permissions = (OPERATOR,)

        @classmethod
        def perform(cls, _root, _info):
            return {}

    assert Declared._meta.description == "Do a thing. Requires: an operator."
    assert Declared.permissions == (OPERATOR,)


def test_every_mutation_in_the_schema_says_who_may_call_it():
    fields = mutation_fields()
    assert fields
    for name, field in fields.items():
        assert "Requires: " in (field.description or ""), name
    assert "Requires: nothing, anyone may call it." in fields["tokenCreate"].description
    assert "Requires: an operator." in fields["sellerCreate"].description


def test_every_mutation_subclasses_the_base_directly():
    for field in mutation_fields().values():
        mutation = field.type.graphene_type
        # graphene puts its own dataclass base first; the declared base follows it.
        assert mutation.__bases__[-1] is BaseMutation, mutation
        assert all(isinstance(item, Requirement) for item in mutation.permissions)
    assert ANYONE.allows(None)


@pytest.mark.parametrize(
    ("python", "api"),
    [
        ("first_name", "firstName"),
        ("variants.0.compare_at_price", "variants.0.compareAtPrice"),
        ("address.former_district", "address.formerDistrict"),
        ("id", "id"),
        (None, None),
    ],
)
def test_error_fields_are_camel_cased_segment_by_segment(python, api):
    assert api_field_name(python) == api


class Colour(graphene.Enum):
    RED = "red"
    GREEN = "green"


class ShadeInput(graphene.InputObjectType):
    colour = Colour()
    name = graphene.String()


def test_enum_members_reach_perform_as_plain_values():
    member = Colour._meta.enum.RED
    # What graphene hands a resolver: the input object's container, a dict with attributes.
    shade = ShadeInput._meta.container({"colour": Colour._meta.enum.GREEN, "name": " lá "})
    errors = {}
    assert _cleaned(member, "colour", False, errors) == "red"
    assert _cleaned([member, Colour._meta.enum.GREEN], "colours", False, errors) == [
        "red",
        "green",
    ]
    cleaned = _cleaned(shade, "", False, errors)
    assert cleaned == {"colour": "green", "name": "lá"}
    assert cleaned.colour == "green"
    assert errors == {}


ShortErrorCode = error_codes("ShortErrorCode", "INSUFFICIENT_STOCK")
ShortError = error_type_for("ShortError", ShortErrorCode, available=graphene.Int())


class ShortOfStock(BaseMutation):
    """Refuses with two errors at once, each with details the error type declares."""

    done = graphene.Boolean()

    class Meta:
        error_type = ShortError
        error_code_enum = ShortErrorCode
        permissions = (ANYONE,)

    @classmethod
    def perform(cls, root, info, **data):
        raise DomainErrors(
            [
                DomainError(
                    "short", code="INSUFFICIENT_STOCK", field="lines.0", details={"available": 2}
                ),
                DomainError(
                    "gone",
                    code="INSUFFICIENT_STOCK",
                    field="lines.1",
                    details={"available": 0, "undeclared": "dropped"},
                ),
            ]
        )


@pytest.mark.django_db
def test_several_refusals_come_back_together_with_their_declared_details():
    probe = graphene.Schema(
        query=type("Q", (graphene.ObjectType,), {"ok": graphene.Boolean()}),
        mutation=type("M", (graphene.ObjectType,), {"short": ShortOfStock.Field()}),
    )

    result = probe.execute(
        "mutation { short { done errors { field code message available } } }",
        context_value=SimpleNamespace(user=AnonymousUser()),
    )

    assert result.errors is None
    assert result.data["short"] == {
        "done": None,
        "errors": [
            {"field": "lines.0", "code": "INSUFFICIENT_STOCK", "message": "short", "available": 2},
            {"field": "lines.1", "code": "INSUFFICIENT_STOCK", "message": "gone", "available": 0},
        ],
    }
