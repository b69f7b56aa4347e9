"""Fields a lower app's type shows but a higher app defines.

Dependencies point down (``market/core`` ← accounts ← sellers ← catalog), yet a
seller's page shows its products and a user's page the sellers it works for.
The higher app writes a function that returns the whole field (type, arguments,
resolver); the lower app mounts it by dotted path with ``field_from``. Graphene
calls the function when the schema is built, after every app is imported, so
the lower app's modules never import the higher one.
"""

import graphene
from django.utils.module_loading import import_string


def field_from(factory_path: str) -> graphene.Dynamic:
    """Mount the field that the function at ``factory_path`` returns."""
    return graphene.Dynamic(lambda: import_string(factory_path)())
