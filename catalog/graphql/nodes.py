"""Pieces every catalog GraphQL type shares."""


class PrimaryKeyNodeMixin:
    """``node(id:)`` with a malformed primary key answers null, not a server error."""

    @classmethod
    def get_node(cls, info, id):
        try:
            primary_key = int(id)
        except (TypeError, ValueError):
            return None
        return super().get_node(info, primary_key)


def language_value(language_code) -> str:
    """The code of a ``LanguageCodeEnum`` argument (graphene passes the member)."""
    return getattr(language_code, "value", language_code)
