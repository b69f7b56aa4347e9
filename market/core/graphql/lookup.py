"""One object by ``id`` or by ``slug``: the field every app's single-object query declares."""

import graphene
from django.utils.translation import gettext as _

from market.core.errors import InvalidInput


def id_or_slug_field(of, *, description: str) -> graphene.Field:
    """A field taking ``id`` or ``slug``; its resolver calls ``require_id_or_slug`` first."""
    return graphene.Field(of, id=graphene.ID(), slug=graphene.String(), description=description)


def require_id_or_slug(id_value, slug) -> None:
    """Refuse both or neither: which object is meant must be clear."""
    if (id_value is None) == (slug is None):
        raise InvalidInput(_("Give exactly one of `id` or `slug`."))
