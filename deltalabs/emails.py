"""Transactional email from templates, sent at most once per event.

Templates live in ``templates/emails/<name>.txt`` (plain text; the first line
is ``Subject: ...``) and optionally ``templates/emails/<name>.html``. Domain
tasks call ``send_once`` with a key naming the event; a task that runs twice
(retries, redelivery after a worker crash) finds the key and sends nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta

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


# A sender that holds a claim this long without finishing is presumed dead.
STALE_CLAIM = timedelta(minutes=10)


def _take_over_stale_claim(key: str) -> OutboundEmail | None:
    """Claim an email whose previous sender died between claiming and sending.
    One conditional update, so of several retries only one takes it over."""
    now = timezone.now()
    taken = OutboundEmail.objects.filter(
        key=key, status=OutboundEmail.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).update(claimed_at=now)
    return OutboundEmail.objects.filter(key=key).first() if taken else None


def send_once(*, key: str, template: str, to: str, context: dict) -> bool:
    """Send the email unless one with ``key`` was already sent.

    Returns True if this call sent it. If sending fails the claim is released
    so the task's retry can send it; a claim abandoned by a crashed sender is
    taken over after ``STALE_CLAIM``.
    """
    subject, text, html = render(template, context)
    try:
        with atomic():
            claim = OutboundEmail.objects.create(key=key, template=template, to=to, subject=subject[:200])
    except IntegrityError:
        claim = _take_over_stale_claim(key)
        if claim is None:
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
