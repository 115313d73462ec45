from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    """Something a person should know about, shown in their inbox until read.

    ``kind`` says what happened ("deal_won"); ``dedupe_key`` names the thing it happened
    to, so the same event reported twice (a retried task, a deal won, reopened and won
    again) reaches each person once.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    dedupe_key = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True, help_text="A path in this application")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "dedupe_key"], name="notification_once_per_event"
            ),
        ]
        indexes = [
            # The unread badge on every page and the inbox's unread-first order.
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["recipient", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def unread(self) -> bool:
        return self.read_at is None

    @property
    def headline(self) -> str:
        """The body's first paragraph: what happened, in a sentence."""
        return self.body.partition("\n\n")[0]

    @property
    def details(self) -> str:
        """The rest of the body, shown on demand."""
        return self.body.partition("\n\n")[2]
