"""The audit trail: every staff change, with who, when, what object and what changed.

Two writers, one record (``deltalabs.models.AuditEntry``):

- the services, for the actions staff take through any door (admin action,
  REST, assistant): ``audit_record(actor=..., action="refund", target=order,
  changes={"status": ["paid", "refunded"]})``, called inside the service's
  transaction so the entry commits with the change and never without it;
- the admin's own saves (add, change, delete, inlines), through
  ``deltalabs.admin_base.AuditedAdminMixin``.

Who records: changes made with staff powers, and changes instructors make to
other people's records (grades, moderation). Learners' own self-service
(enrolling, booking, cancelling their own) is the domain's own history and is
not repeated here.

Where it came from (``source``) is read from the request being served:
``/admin/`` is the admin, ``/v1/ai/`` the assistant, other ``/v1/`` paths the
REST API; no request means a command or a background task.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import Enum

from django.db import models

from deltalabs import request_context
from deltalabs.models import AuditEntry

REPR_MAX = 200
VALUE_MAX = 500

# Action names used by the services (free text is allowed; these keep the
# Activity filter short and consistent).
ADD, CHANGE, DELETE = "add", "change", "delete"


def json_ready(value):
    """A JSON-safe, human-readable form of a field value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value[:VALUE_MAX] if isinstance(value, str) else value
    if isinstance(value, Enum):
        return json_ready(value.value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)[:VALUE_MAX]
    if isinstance(value, Mapping):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, Iterable):
        return [json_ready(item) for item in value]
    return str(value)[:VALUE_MAX]


def diff(before: Mapping, after: Mapping) -> dict:
    """``{field: [before, after]}`` for the fields of ``after`` whose value changed."""
    changes = {}
    for field, new in after.items():
        old = json_ready(before.get(field))
        new = json_ready(new)
        if old != new:
            changes[field] = [old, new]
    return changes


def current_source() -> str:
    path = request_context.current_request_path()
    if path is None:
        return AuditEntry.Source.SYSTEM
    if path.startswith("/admin/"):
        return AuditEntry.Source.ADMIN
    if path.startswith("/v1/ai/"):
        return AuditEntry.Source.ASSISTANT
    return AuditEntry.Source.API


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model,
    changes: Mapping | None = None,
    note: str = "",
    target_repr: str | None = None,
) -> AuditEntry:
    """Record that ``actor`` did ``action`` to ``target``. Call it inside the
    transaction of the change. ``target_repr`` spares a query when ``str(target)``
    would follow a relation."""
    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if signed_in else None,
        actor_email=actor.email if signed_in else "",
        action=action,
        target_type=target._meta.concrete_model._meta.label_lower,
        target_id=str(target.pk),
        target_repr=(target_repr if target_repr is not None else str(target))[:REPR_MAX],
        changes=json_ready(dict(changes or {})),
        note=note,
        source=current_source(),
        request_id=request_context.current_request_id() or "",
    )


def history_of(target_type: str, target_id: str):
    """Entries about one object, newest first (the object's history page)."""
    return AuditEntry.objects.filter(target_type=target_type, target_id=target_id).select_related("actor")


def recent_by_actor(actor_id, limit: int = 10) -> list[AuditEntry]:
    """The actor's latest entries ("Recent actions" on the admin index)."""
    return list(AuditEntry.objects.filter(actor_id=actor_id).order_by("-at")[:limit])
