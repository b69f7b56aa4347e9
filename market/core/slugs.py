"""URL slugs from Vietnamese names, made unique by a ``-2``, ``-3``... suffix."""

import re
from collections.abc import Callable

from django.db import IntegrityError, models, transaction
from django.utils.text import slugify

from market.core.folding import fold

SLUG_ATTEMPTS = 5


def slugify_name(name: str) -> str:
    """An ASCII slug for a Vietnamese name: "Hợp tác xã Đông Hải" → "hop-tac-xa-dong-hai".

    ``slugify`` alone would drop "đ" (it has no ASCII decomposition), so the
    name is folded first.
    """
    return slugify(fold(name))


def slug_base(name: str, *, max_length: int, fallback: str) -> str:
    """The slug of ``name`` cut to ``max_length``, or ``fallback`` when nothing is left
    (a name of punctuation only)."""
    return slugify_name(name)[:max_length].strip("-") or fallback


def first_free_slug(base: str, taken: set[str]) -> str:
    """``base``, or ``base-2``, ``base-3``... the first one not in ``taken``."""
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def save_with_free_slug(
    instance: models.Model,
    base: str,
    *,
    save: Callable[[], None] | None = None,
    attempts: int = SLUG_ATTEMPTS,
) -> bool:
    """Give ``instance`` the first free slug from ``base`` and save it (with ``save``,
    ``instance.save`` by default); False when every attempt lost a race.

    The slug is chosen by looking at the taken ones, so two rows named alike at
    the same moment may pick the same; the loser sees the unique index refuse
    it and picks again. Any other integrity error is raised.
    """
    others = type(instance)._default_manager.exclude(pk=instance.pk)
    pattern = rf"^{re.escape(base)}(-[0-9]+)?$"
    for _attempt in range(attempts):
        taken = set(others.filter(slug__regex=pattern).values_list("slug", flat=True))
        instance.slug = first_free_slug(base, taken)
        try:
            with transaction.atomic():
                (save or instance.save)()
            return True
        except IntegrityError:
            if not others.filter(slug=instance.slug).exists():
                raise
    return False
