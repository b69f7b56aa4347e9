"""Query-side input as plain values, at the edge.

graphene 3 hands a resolver the Python member of an enum argument (also inside
an input object or a list), not its value; selectors and services take plain
values. Mutations get them from ``BaseMutation``'s cleaning; queries call
``enum_value``.
"""

import enum


def enum_value(value):
    """``value``'s plain value when it is an enum member, item by item in a list; else itself."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [enum_value(item) for item in value]
    return value
