"""How the commerce domain's objects are rendered (docs/api.md, Commerce).

The output serializers of the commerce views and of the assistant's cart and
checkout tools: a cart and an order read the same wherever they appear. Money
is a decimal string next to a currency.
"""

from rest_framework import serializers

from apps.catalog.outputs import CourseBriefSerializer
from apps.commerce.models import Order, Sponsor, SponsorMember, Sponsorship


class CartItemOutput(serializers.Serializer):
    """A ``CartItem`` with its course."""

    course = CourseBriefSerializer()
    price = serializers.DecimalField(
        max_digits=10, decimal_places=2, help_text="Price snapshot taken when the course was added, e.g. 49.00."
    )
    currency = serializers.CharField()
    added_at = serializers.DateTimeField()


class CartOutput(serializers.Serializer):
    """A ``services.cart.CartContents``."""

    items = CartItemOutput(many=True)
    item_count = serializers.IntegerField()
    subtotal = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField(allow_null=True, help_text="null while the cart is empty.")


class OrderItemOutput(serializers.Serializer):
    course = CourseBriefSerializer()
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


class SponsorshipOutput(serializers.Serializer):
    id = serializers.UUIDField()
    sponsor_id = serializers.UUIDField()
    course = CourseBriefSerializer()
    status = serializers.ChoiceField(choices=Sponsorship.Status.choices)
    seats_total = serializers.IntegerField()
    seats_used = serializers.IntegerField()
    redemption_count = serializers.IntegerField()
    code = serializers.CharField(allow_null=True, help_text="Set once staff approve; learners enroll with it.")
    created_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)
