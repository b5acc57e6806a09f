"""Background jobs the commerce services queue on commit: emails.

Every task takes ids, is idempotent (``send_once`` with an event key) and is
safe to run twice. Tasks sit below the services: they read through the
repositories and never import a service (the periodic upkeep jobs, which do
run use cases, live in ``apps.commerce.jobs``), so services -> tasks is the
only direction between the two.
"""

from __future__ import annotations

from apps.commerce import repositories
from apps.commerce.models import Order, Sponsor, Sponsorship
from deltalabs.emails import send_once
from deltalabs.tasks import idempotent_task


@idempotent_task(name="apps.commerce.tasks.send_order_receipt")
def send_order_receipt(*, order_id: str) -> bool:
    order = repositories.order_get(order_id)
    if order is None or order.status != Order.Status.PAID:
        return False
    return send_once(
        key=f"order-receipt:{order.pk}",
        template="commerce/order_receipt",
        to=order.user.email,
        context={"order": order, "items": list(order.items.all()), "user": order.user},
    )


@idempotent_task(name="apps.commerce.tasks.send_order_refunded")
def send_order_refunded(*, order_id: str) -> bool:
    order = repositories.order_get(order_id)
    if order is None or order.status != Order.Status.REFUNDED:
        return False
    return send_once(
        key=f"order-refund:{order.pk}",
        template="commerce/order_refunded",
        to=order.user.email,
        context={"order": order, "items": list(order.items.all()), "user": order.user},
    )


@idempotent_task(name="apps.commerce.tasks.send_sponsor_decision")
def send_sponsor_decision(*, sponsor_id: str) -> bool:
    sponsor = repositories.sponsor_get(sponsor_id)
    if sponsor is None or sponsor.status == Sponsor.Status.PENDING:
        return False
    return send_once(
        key=f"sponsor-decision:{sponsor.pk}",
        template="commerce/sponsor_decision",
        to=sponsor.contact_email,
        context={"sponsor": sponsor, "approved": sponsor.status == Sponsor.Status.APPROVED},
    )


@idempotent_task(name="apps.commerce.tasks.send_sponsorship_decision")
def send_sponsorship_decision(*, sponsorship_id: str) -> bool:
    sponsorship = repositories.sponsorship_get(sponsorship_id)
    if sponsorship is None or sponsorship.status == Sponsorship.Status.PENDING:
        return False
    recipient = sponsorship.requested_by.email if sponsorship.requested_by else sponsorship.sponsor.contact_email
    return send_once(
        key=f"sponsorship-decision:{sponsorship.pk}",
        template="commerce/sponsorship_decision",
        to=recipient,
        context={"sponsorship": sponsorship, "approved": sponsorship.status == Sponsorship.Status.APPROVED},
    )
