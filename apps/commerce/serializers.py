"""Request and response shapes of the commerce API. Money is rendered as
decimal strings next to a currency; the client never sends money fields."""

from rest_framework import serializers

from apps.commerce.models import Order, Sponsor, SponsorMember, Sponsorship
from apps.commerce.services.sponsors import SEATS_MAX, SEATS_MIN


class CourseSummary(serializers.Serializer):
    id = serializers.UUIDField()
    slug = serializers.CharField()
    title = serializers.CharField()


# --- Cart -------------------------------------------------------------------------


class CartItemOutput(serializers.Serializer):
    course = CourseSummary()
    price = serializers.CharField(help_text="Price snapshot taken when the course was added, e.g. 49.00.")
    currency = serializers.CharField()
    added_at = serializers.DateTimeField()


class CartOutput(serializers.Serializer):
    items = CartItemOutput(many=True)
    item_count = serializers.IntegerField()
    subtotal = serializers.CharField()
    currency = serializers.CharField(allow_null=True, help_text="null while the cart is empty.")


class CartItemInput(serializers.Serializer):
    course_id = serializers.UUIDField()


# --- Orders ---------------------------------------------------------------------------


class PaymentInput(serializers.Serializer):
    method = serializers.ChoiceField(choices=["card"])
    token = serializers.CharField(max_length=255, help_text="Sandbox: tok_visa, tok_declined, tok_error.")


class CheckoutInput(serializers.Serializer):
    """Only these fields are read; anything else (total, status, paid_at...) is ignored."""

    payment = PaymentInput(required=False, help_text="Required unless a sponsorship makes the total zero.")
    sponsorship_code = serializers.CharField(max_length=64, required=False, allow_blank=True)


class OrderItemOutput(serializers.Serializer):
    course = CourseSummary()
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    discount = serializers.DecimalField(max_digits=10, decimal_places=2)
    enrollment_id = serializers.UUIDField(allow_null=True)


class OrderOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Order.Status.choices)
    items = OrderItemOutput(source="items.all", many=True)
    subtotal = serializers.DecimalField(max_digits=10, decimal_places=2)
    discount = serializers.DecimalField(max_digits=10, decimal_places=2)
    total = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField()
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    refunded_at = serializers.DateTimeField(allow_null=True)
    failure_code = serializers.CharField(allow_blank=True)


class RefundInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


# --- Sponsors ---------------------------------------------------------------------------


class SponsorInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    contact_email = serializers.EmailField(max_length=254)
    website = serializers.URLField(max_length=300, required=False, allow_blank=True, default="")
    message = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class SponsorOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    website = serializers.CharField()
    message = serializers.CharField()
    status = serializers.ChoiceField(choices=Sponsor.Status.choices)
    created_at = serializers.DateTimeField()
    my_role = serializers.ChoiceField(
        choices=SponsorMember.Role.choices, allow_null=True, help_text="null if you are not a member."
    )
    contact_email = serializers.SerializerMethodField(help_text="Shown to the sponsor's members only.")

    def get_contact_email(self, sponsor) -> str | None:
        return sponsor.contact_email if getattr(sponsor, "my_role", None) else None


class SponsorshipInput(serializers.Serializer):
    course_id = serializers.UUIDField()
    seats = serializers.IntegerField(min_value=SEATS_MIN, max_value=SEATS_MAX)


class SponsorshipOutput(serializers.Serializer):
    id = serializers.UUIDField()
    sponsor_id = serializers.UUIDField()
    course = CourseSummary()
    status = serializers.ChoiceField(choices=Sponsorship.Status.choices)
    seats_total = serializers.IntegerField()
    seats_used = serializers.IntegerField()
    redemption_count = serializers.IntegerField()
    code = serializers.CharField(allow_null=True, help_text="Set once staff approve; learners enroll with it.")
    created_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)
