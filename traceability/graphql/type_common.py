"""What traceability's object types share: the caller, choice fields, visibility."""


def caller(info):
    return info.context.user


def choice_value(attribute: str):
    def resolve(root, _info):
        return getattr(root, attribute) or None

    return resolve


def visible_rows(selector):
    """A ``get_queryset`` answering the rows ``selector(user)`` shows."""

    def get_queryset(cls, queryset, info):
        return selector(caller(info))

    return classmethod(get_queryset)


def visible_node(selector, *, kind: str | None = None):
    """A ``get_node`` answering ``selector(user, pk)``; None for an ID that is no number."""

    def get_node(cls, info, node_id):
        if not str(node_id).isdigit():
            return None
        found = selector(caller(info), int(node_id))
        if found is None or (kind is not None and found.kind != kind):
            return None
        return found

    return classmethod(get_node)
