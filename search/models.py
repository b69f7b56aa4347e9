"""The table owned by search: the database backend's folded text.

What waits for the index is in ``market.core.models.ChangeRecord``.
"""

from django.db import models


class ProductSearchText(models.Model):
    """Folded (lowercase, diacritic-free) text of one product for the database backend.

    Computed in Python by ``search.analysis.fold`` so that "dac san" finds
    "đặc sản" on PostgreSQL and SQLite alike, without database extensions.
    """

    product = models.OneToOneField(
        "catalog.Product", on_delete=models.CASCADE, primary_key=True, related_name="search_text"
    )
    # Words padded with spaces (" nuoc mam nhi ") so that whole words match
    # with a plain ``contains``; ``name_words`` keeps the diacritics, lowercased,
    # to rank an exact match above a folded one.
    name_words = models.TextField()
    name_folded = models.TextField()
    category_folded = models.TextField(blank=True)
    seller_folded = models.TextField(blank=True)
    description_folded = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name_folded
