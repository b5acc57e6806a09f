"""Transactional email from templates, sent at most once per event.

Templates live in ``templates/emails/<name>.txt`` (plain text; the first line
is ``Subject: ...``) and optionally ``templates/emails/<name>.html``. Domain
tasks call ``send_once`` with a key naming the event; a task that runs twice
(retries, redelivery after a worker crash) finds the key and sends nothing.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

from deltalabs.db import atomic
from deltalabs.models import OutboundEmail

logger = logging.getLogger("deltalabs.emails")


def render(template: str, context: dict) -> tuple[str, str, str | None]:
    """Return (subject, text body, html body or None)."""
    text = render_to_string(f"emails/{template}.txt", context)
    first_line, _, body = text.partition("\n")
    if not first_line.startswith("Subject:"):
        raise ValueError(f"emails/{template}.txt must start with a 'Subject:' line")
    subject = first_line.removeprefix("Subject:").strip()
    try:
        html = render_to_string(f"emails/{template}.html", {**context, "subject": subject})
    except TemplateDoesNotExist:
        html = None
    return subject, body.lstrip("\n"), html


def send_once(*, key: str, template: str, to: str, context: dict) -> bool:
    """Send the email unless one with ``key`` was already sent.

    Returns True if this call sent it. If sending fails the claim is released
    so the task's retry can send it.
    """
    subject, text, html = render(template, context)
    try:
        with atomic():
            claim = OutboundEmail.objects.create(key=key, template=template, to=to, subject=subject[:200])
    except IntegrityError:
        logger.info("Email %s already sent or being sent; skipping", key)
        return False
    try:
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
        if html:
            message.attach_alternative(html, "text/html")
        message.send()
    except Exception:
        OutboundEmail.objects.filter(pk=claim.pk).delete()
        raise
    OutboundEmail.objects.filter(pk=claim.pk).update(status=OutboundEmail.Status.SENT, sent_at=timezone.now())
    return True
