"""Core records shared by every domain."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from deltalabs.db import UUIDModel


class OutboundEmail(UUIDModel):
    """One logical email, keyed so that a task that runs twice sends it once.

    ``key`` names the event (``waitlist-promoted:<enrollment id>``); the unique
    index is the exactly-once guard.
    """

    class Status(models.TextChoices):
        SENDING = "sending"
        SENT = "sent"

    key = models.CharField(max_length=200, unique=True)
    template = models.CharField(max_length=100)
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENDING)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # When the current sender took the claim; a claim left in "sending" longer
    # than emails.STALE_CLAIM (the sender died) may be taken over.
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.template} -> {self.to}"
