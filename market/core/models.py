"""Tables of the core: the outbox of changes other parts of the project act on."""

from django.db import models


class ChangeRecord(models.Model):
    """Something changed that a consumer (today: the search index) must catch up with.

    An app records its change in the same transaction as the change itself
    (``market.core.changes.change_record``), so a change that commits is never
    forgotten even when Redis or Elasticsearch is down; the consumer's delivery
    task removes a row once it has acted on it. ``object_id`` is a plain integer,
    not a foreign key, because a deleted object still has to be acted on.
    """

    topic = models.CharField(max_length=32)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["created_at"]),
            models.Index(fields=["topic", "object_id"]),
        ]
        verbose_name = "change record"
        verbose_name_plural = "change outbox"

    def __str__(self) -> str:
        return f"{self.topic} {self.object_id} ({self.attempts} attempts)"
