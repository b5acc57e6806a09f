"""Commerce entities: carts, orders and their payments, sponsors and sponsorships.

Limits are guarded by the database, never by a read followed by a write:
- one open cart per user: a partial unique constraint (equality condition);
- cart size and currency: ``Cart.item_count`` changes only by conditional updates;
- one order per (user, Idempotency-Key): a unique constraint, so a lost Redis
  record can never turn a retry into a second charge;
- an order leaves ``pending`` once, by a conditional update (paid or failed),
  whoever settles it (the checkout, a retry, the reconciliation job);
- sponsorship seats: ``seats_used`` grows only by a conditional update that
  holds ``seats_used <= seats_total``; one redemption per (sponsorship, user).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from deltalabs.db import TimeStampedModel, UUIDModel

MONEY = {"max_digits": 10, "decimal_places": 2}


class Cart(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open"
        CHECKED_OUT = "checked_out"
        EXPIRED = "expired"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="carts")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    # Empty while the cart has no items; the first item fixes it.
    currency = models.CharField(max_length=3, blank=True, default="")
    item_count = models.PositiveIntegerField(default=0)
    # Bumped by every change, so checkout can close exactly the cart it priced.
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(status="open"), name="uniq_open_cart_per_user"),
        ]
        indexes = [
            models.Index(fields=["user", "status"], name="cart_user_status"),
            models.Index(fields=["status", "updated_at"], name="cart_status_updated"),
        ]

    def __str__(self) -> str:
        return f"cart of {self.user_id} ({self.status})"


class CartItem(UUIDModel):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    course = models.ForeignKey("catalog.Course", on_delete=models.CASCADE, related_name="+")
    # The price when the item was added; checkout charges this snapshot.
    price = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["cart", "course"], name="uniq_cart_course")]

    def __str__(self) -> str:
        return f"{self.course_id} in {self.cart_id}"


class Order(UUIDModel):
    class Status(models.TextChoices):
        PENDING = "pending"
        PAID = "paid"
        FAILED = "failed"
        REFUNDED = "refunded"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    # The cart this order checked out: reopened if the payment fails.
    cart = models.ForeignKey(Cart, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Human-readable and random (DL-2026-7KQ2M9XR): no max()+1 race, and it
    # does not reveal how many orders exist.
    number = models.CharField(max_length=24, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    subtotal = models.DecimalField(**MONEY)
    discount = models.DecimalField(**MONEY, default=0)
    total = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    idempotency_key = models.CharField(max_length=255)
    payment_reference = models.CharField(max_length=100, blank=True)
    # Why a failed order failed: payment_declined, expired (no payment reached the provider in time).
    failure_code = models.CharField(max_length=40, blank=True)
    refund_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        permissions = [("refund_order", "Can refund orders")]
        constraints = [
            models.UniqueConstraint(fields=["user", "idempotency_key"], name="uniq_order_idempotency_key"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "id"], name="order_user_recent"),
            models.Index(fields=["status", "created_at"], name="order_status_created"),
            models.Index(fields=["created_at"], name="order_created"),
        ]

    def __str__(self) -> str:
        return self.number


class OrderItem(UUIDModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    course = models.ForeignKey("catalog.Course", on_delete=models.PROTECT, related_name="order_items")
    price = models.DecimalField(**MONEY)
    # The part of ``price`` a sponsorship paid for (0 or the whole price).
    discount = models.DecimalField(**MONEY, default=0)
    enrollment = models.ForeignKey(
        "learning.Enrollment", on_delete=models.SET_NULL, null=True, blank=True, related_name="order_items"
    )
    sponsorship = models.ForeignKey(
        "Sponsorship", on_delete=models.PROTECT, null=True, blank=True, related_name="order_items"
    )

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["order", "course"], name="uniq_order_course")]

    def __str__(self) -> str:
        return f"{self.course_id} in {self.order_id}"


class Payment(UUIDModel):
    """What the payment provider answered, one row per charge or refund."""

    class Kind(models.TextChoices):
        CHARGE = "charge"
        REFUND = "refund"

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded"
        DECLINED = "declined"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CHARGE)
    provider = models.CharField(max_length=40)
    reference = models.CharField(max_length=100, blank=True)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices)
    # A short, secret-free summary of the provider's answer (ids, codes).
    response_summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["order", "kind"], name="payment_order_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency} ({self.status})"


class SandboxCharge(UUIDModel):
    """The built-in sandbox provider's own ledger: one row per provider
    idempotency key, as a real provider keeps it on its side."""

    class Kind(models.TextChoices):
        CHARGE = "charge"
        REFUND = "refund"

    idempotency_key = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reference = models.CharField(max_length=100, unique=True)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return self.reference


class Sponsor(TimeStampedModel):
    """An organisation that pays for learners' seats."""

    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"

    name = models.CharField(max_length=200, db_index=True)
    contact_email = models.EmailField(max_length=254)
    website = models.URLField(max_length=300, blank=True)
    message = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        permissions = [("review_sponsor", "Can approve or reject sponsor applications")]
        indexes = [models.Index(fields=["status", "name", "id"], name="sponsor_status_name")]

    def __str__(self) -> str:
        return self.name


class SponsorMember(UUIDModel):
    class Role(models.TextChoices):
        OWNER = "owner"
        MEMBER = "member"

    sponsor = models.ForeignKey(Sponsor, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sponsor_memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["sponsor", "user"], name="uniq_sponsor_member")]

    def __str__(self) -> str:
        return f"{self.user_id} ({self.role}) of {self.sponsor_id}"


class Sponsorship(TimeStampedModel):
    """Seats a sponsor pays for on one course, redeemed with ``code``."""

    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"

    sponsor = models.ForeignKey(Sponsor, on_delete=models.PROTECT, related_name="sponsorships")
    course = models.ForeignKey("catalog.Course", on_delete=models.PROTECT, related_name="sponsorships")
    seats_total = models.PositiveIntegerField()
    seats_used = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    # Set on approval; NULL until then (unique among non-NULL values on both engines).
    code = models.CharField(max_length=32, unique=True, null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        permissions = [("review_sponsorship", "Can approve or reject sponsorships")]
        indexes = [models.Index(fields=["sponsor", "-created_at", "id"], name="sponsorship_sponsor_recent")]
        constraints = [
            # A second line of defence; the conditional update is the guard.
            models.CheckConstraint(
                condition=Q(seats_used__lte=F("seats_total")), name="sponsorship_seats_within_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sponsor_id}: {self.seats_used}/{self.seats_total} on {self.course_id}"


class SponsorshipRedemption(UUIDModel):
    sponsorship = models.ForeignKey(Sponsorship, on_delete=models.PROTECT, related_name="redemptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sponsorship_redemptions")
    enrollment = models.ForeignKey(
        "learning.Enrollment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sponsorship", "user"], name="uniq_sponsorship_redemption"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} redeemed {self.sponsorship_id}"
