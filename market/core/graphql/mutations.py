"""Base for every mutation: declared permissions, typed errors, nothing half-done.

A mutation declares who may call it (``Meta.permissions``, requirements from
``market.core.permissions``; ``ANYONE`` when public), ``error_type`` (built
with ``error_type_for``) and implements ``perform(root, info, **data)`` which
returns a dict of payload fields. The base class, in order:

1. checks the declared requirements (``AUTHENTICATION_REQUIRED`` signed out,
   ``PERMISSION_DENIED`` otherwise) before looking at the arguments;
2. cleans every argument (``market.core.text``): text in NFC and trimmed, with
   control and bidi-override characters refused as field errors; enum members
   become their plain values, so ``perform`` and services never unwrap them;
3. runs ``perform`` in a transaction: domain errors and ``ValidationError``
   become ``errors`` entries with ``field``, ``code`` and ``message``, and the
   transaction is rolled back so nothing changes;
4. names the field at fault as the client wrote it: services key errors by
   Python names (``variants.0.compare_at_price``), the API answers camelCase
   (``variants.0.compareAtPrice``).
"""

import enum
from collections.abc import Callable
from typing import Any

import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from graphene.utils.str_converters import to_camel_case

from market.core.errors import DomainError, DomainErrors, NotFound
from market.core.graphql.node import parse_global_id
from market.core.permissions import Requirement
from market.core.text import check_secret, clean_text
from market.core.throttle import Throttled
from market.core.transactions import whole_block

# Arguments compared byte for byte and never displayed: checked, never changed.
SECRET_ARGUMENTS = frozenset({"password", "token", "refresh_token"})


def error_type_for(
    name: str, code_enum: type[graphene.Enum], **extra_fields
) -> type[graphene.ObjectType]:
    """An error type: ``field``, ``code``, ``message``, and ``extra_fields`` that a
    ``DomainError``'s ``details`` fill (``variant``, ``available``…)."""
    return type(
        name,
        (graphene.ObjectType,),
        {
            "field": graphene.String(description="The input field at fault, if one is."),
            "code": graphene.Field(code_enum, required=True),
            "message": graphene.String(required=True),
            **extra_fields,
        },
    )


def decode_id(global_id: str, expected_type: str, *, field: str = "id") -> int:
    """The primary key behind a canonical Relay global ID of ``expected_type``, else NotFound."""
    type_name, pk = parse_global_id(global_id, field=field)
    if type_name != expected_type:
        raise NotFound(
            _("ID %(id)r is not a %(type)s.") % {"id": global_id, "type": expected_type},
            code="INVALID_ID",
            field=field,
        )
    return pk


def service_perform(
    service,
    *,
    returns: str | tuple[str, ...] | Callable[[Any], dict],
    ids: dict[str, tuple[str, str | Callable[..., int]]] | None = None,
    unpack_input=dict,
):
    """A ``perform`` for the usual mutation: decode the global-ID arguments, call the service
    as the caller, answer what it returns.

    ``ids`` maps an argument to the service's keyword and the ID's type
    (``{"id": ("product_id", "Product")}``), or a decoder called as ``decode(value,
    field=argument)`` where one ID may be of several types; ``input`` is spread into keywords
    by ``unpack_input``; other arguments pass unchanged, and the caller as ``by=``. The
    service's result is the payload field ``returns`` (a tuple of names for a tuple of
    results), or ``returns(result)`` is the payload.
    """

    ids = ids or {}
    # The service names an ID by its keyword (``site_id``); the client sent ``id``.
    renamed = {keyword: argument for argument, (keyword, _of) in ids.items()}

    def perform(cls, _root, info, **data):
        arguments = {}
        for name, value in data.items():
            if name in ids:
                keyword, of = ids[name]
                arguments[keyword] = (
                    of(value, field=name) if callable(of) else decode_id(value, of, field=name)
                )
            elif name == "input":
                arguments.update(unpack_input(value))
            else:
                arguments[name] = value
        # An input field ``seller`` decoded into the keyword ``seller_id`` is named back too.
        sent = {f"{key}_id": key for key in data.get("input") or () if f"{key}_id" in arguments}
        try:
            result = service(by=info.context.user, **arguments)
        except (DomainError, ValidationError) as error:
            raise _named_as_sent(error, {**sent, **renamed}) from None
        if callable(returns):
            return returns(result)
        if isinstance(returns, str):
            return {returns: result}
        return dict(zip(returns, result, strict=True))

    return classmethod(perform)


def _named_as_sent(error, renamed: dict[str, str]):
    """``error`` with the fields the service named by its keywords renamed to the arguments."""
    if isinstance(error, DomainError):
        if error.field in renamed:
            error.field = renamed[error.field]
        return error
    if not hasattr(error, "error_dict") or not renamed.keys() & error.error_dict.keys():
        return error
    return ValidationError({renamed.get(k, k): v for k, v in error.error_dict.items()})


def _errors_from_validation(error: ValidationError, error_type, code_enum) -> list:
    errors = []
    mapping = error.error_dict if hasattr(error, "error_dict") else {None: error.error_list}
    for field, field_errors in mapping.items():
        for item in field_errors:
            message = item.message % item.params if item.params else item.message
            errors.append(
                error_type(
                    field=None if field in (None, "__all__") else field,
                    code=_code(code_enum, item.code),
                    message=str(message),
                )
            )
    return errors


def _code(code_enum, code: str | None):
    name = (code or "INVALID").upper()
    members = code_enum._meta.enum.__members__
    return members[name].value if name in members else members["INVALID"].value


def api_field_name(field: str | None) -> str | None:
    """``variants.0.compare_at_price`` → ``variants.0.compareAtPrice``, segment by segment."""
    if not field:
        return field
    return ".".join(to_camel_case(segment) for segment in field.split("."))


def requirements_sentence(permissions: tuple[Requirement, ...]) -> str:
    """The rule as the schema's description says it: ``Requires: an operator.``"""
    return "Requires: " + " and ".join(requirement.who for requirement in permissions) + "."


class BaseMutation(graphene.Mutation):
    class Meta:
        abstract = True

    error_type: type[graphene.ObjectType]
    error_code_enum: type[graphene.Enum]
    permissions: tuple[Requirement, ...]

    @classmethod
    def __init_subclass_with_meta__(
        cls, error_type=None, error_code_enum=None, permissions=None, description=None, **options
    ):
        # Fail at import, not at the first request, when a mutation has no body or no rule.
        if not callable(getattr(cls, "perform", None)):
            raise TypeError(f"{cls.__name__} must define perform(cls, root, info, **data)")
        if not permissions or not all(isinstance(item, Requirement) for item in permissions):
            raise TypeError(
                f"{cls.__name__} must declare Meta.permissions: a tuple of requirements from "
                "market.core.permissions (ANYONE when anybody may call it)"
            )
        cls.permissions = tuple(permissions)
        rule = requirements_sentence(cls.permissions)
        description = f"{description} {rule}" if description else rule
        if error_type is not None:
            cls.error_type = error_type
            cls.error_code_enum = error_code_enum
            cls.errors = graphene.List(graphene.NonNull(error_type), required=True)
        super().__init_subclass_with_meta__(description=description, **options)

    @classmethod
    def mutate(cls, root, info, **data):
        payload = cls._run(root, info, data)
        for error in payload.errors:
            error.field = api_field_name(error.field)
        return payload

    @classmethod
    def _run(cls, root, info, data: dict):
        try:
            for requirement in cls.permissions:
                requirement.check(info.context.user)
        except DomainError as exc:
            return cls(errors=[cls._domain_error(exc)])
        text_errors: dict[str, list[ValidationError]] = {}
        data = {
            name: _cleaned(value, _error_key(name, value), name in SECRET_ARGUMENTS, text_errors)
            for name, value in data.items()
        }
        if text_errors:
            return cls(
                errors=_errors_from_validation(
                    ValidationError(text_errors), cls.error_type, cls.error_code_enum
                )
            )
        try:
            # Undone whole on any exception (every ``perform`` re-raises its services'
            # refusals), so the services inside need no savepoints of their own.
            with whole_block():
                payload = cls.perform(root, info, **data)
        except ValidationError as exc:
            return cls(errors=_errors_from_validation(exc, cls.error_type, cls.error_code_enum))
        except DomainError as exc:
            if exc.after_rollback is not None:
                exc.after_rollback()
            refusals = exc.errors if isinstance(exc, DomainErrors) else [exc]
            return cls(errors=[cls._domain_error(refusal) for refusal in refusals])
        except Throttled as exc:
            return cls(errors=[cls._throttled_error(exc)])
        return cls(errors=[], **payload)

    @classmethod
    def _domain_error(cls, exc: DomainError):
        declared = cls.error_type._meta.fields
        details = {name: value for name, value in exc.details.items() if name in declared}
        return cls.error_type(
            field=exc.field,
            code=_code(cls.error_code_enum, exc.code),
            message=exc.message,
            **details,
        )

    @classmethod
    def _throttled_error(cls, exc: Throttled):
        # The wait is in the message for people; an error type with ``retry_after``
        # also carries it as a number, for a storefront counting down.
        carries_wait = "retry_after" in cls.error_type._meta.fields
        extra = {"retry_after": exc.retry_after} if carries_wait else {}
        return cls.error_type(
            code=_code(cls.error_code_enum, "TOO_MANY_ATTEMPTS"), message=exc.message, **extra
        )


def _error_key(argument: str, value) -> str:
    """Errors inside the conventional ``input`` object are keyed by its fields alone,
    as services key theirs (``name``, not ``input.name``)."""
    return "" if argument == "input" and isinstance(value, dict) else argument


def _cleaned(value, key: str, secret: bool, errors: dict):
    """``value`` with every string in it cleaned and every enum member as its plain value;
    problems recorded in ``errors`` by path."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, str):
        try:
            return check_secret(value) if secret else clean_text(value)
        except ValidationError as exc:
            errors.setdefault(key or "__all__", []).extend(exc.error_list)
            return value
    if isinstance(value, dict):
        # graphene's input objects are dicts that also expose their fields as attributes.
        for name, item in list(value.items()):
            path = f"{key}.{name}" if key else name
            cleaned = _cleaned(item, path, secret or name in SECRET_ARGUMENTS, errors)
            value[name] = cleaned
            if isinstance(value, graphene.InputObjectType):
                setattr(value, name, cleaned)
        return value
    if isinstance(value, list):
        return [
            _cleaned(item, f"{key}.{index}", secret, errors) for index, item in enumerate(value)
        ]
    return value


COMMON_ERROR_CODES = (
    "INVALID",
    "INVALID_TEXT",
    "REQUIRED",
    "NOT_FOUND",
    "INVALID_ID",
    "UNIQUE",
    "PERMISSION_DENIED",
    "AUTHENTICATION_REQUIRED",
)


def error_codes(name: str, *extra_codes: str) -> type[graphene.Enum]:
    """An error-code enum holding the common codes and a domain's own."""
    codes = dict.fromkeys((*COMMON_ERROR_CODES, *extra_codes))
    return graphene.Enum(name, [(code, code) for code in codes])
