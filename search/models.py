"""Tables owned by search: the index outbox and the database backend's folded text."""

from django.db import models


class SearchOutbox(models.Model):
    """A product whose search entry must be refreshed.

    Rows are written in the same transaction as the change that caused them, so
    a change that commits is never forgotten even when Redis or Elasticsearch is
    down; ``search.tasks.deliver_outbox`` removes a row once it is delivered.
    ``product_id`` is a plain integer, not a foreign key, because a deleted
    product still has to be removed from the index.
    """

    product_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["created_at"]), models.Index(fields=["product_id"])]
        verbose_name = "search outbox entry"
        verbose_name_plural = "search outbox"

    def __str__(self) -> str:
        return f"product {self.product_id} ({self.attempts} attempts)"


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
