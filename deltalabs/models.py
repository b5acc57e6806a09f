"""Core records shared by every domain."""

from __future__ import annotations

from django.conf import settings
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


class AuditEntry(UUIDModel):
    """One change made by staff (or by an instructor acting on someone else's
    record): who, when, what object, what changed. Written by
    ``deltalabs.audit.audit_record`` in the same transaction as the change,
    from the services (actions such as publish, refund, approve, grade,
    cancel) and from the admin's own saves; read on each object's history
    page, in the admin's "Activity" list and in "Recent actions".

    The target is a model label and a primary key as text (no foreign key:
    the object may be deleted, the entry stays), with the object's name as it
    was. ``actor_email`` keeps who it was if the account is deleted later.
    """

    class Source(models.TextChoices):
        ADMIN = "admin"
        API = "api"
        ASSISTANT = "assistant"
        SYSTEM = "system"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=40)
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=200, blank=True)
    # {field: [before, after]} with JSON-ready values (text for dates, money, ids).
    changes = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SYSTEM)
    request_id = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["-at", "id"]
        verbose_name = "activity entry"
        verbose_name_plural = "activity"
        indexes = [
            models.Index(fields=["target_type", "target_id", "-at"], name="audit_target_recent"),
            models.Index(fields=["actor", "-at"], name="audit_actor_recent"),
            models.Index(fields=["action", "-at"], name="audit_action_recent"),
            models.Index(fields=["target_type", "-at"], name="audit_type_recent"),
            models.Index(fields=["-at", "id"], name="audit_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_email or 'system'} {self.action} {self.target_repr or self.target_id}"
