"""Request shapes of the commerce API (docs/api.md, Commerce); responses are
rendered by ``apps.commerce.outputs``. The client never sends money fields."""

from rest_framework import serializers

from apps.commerce.services.sponsors import SEATS_MAX, SEATS_MIN
from deltalabs.inputs import InputSerializer


class CartItemInput(InputSerializer):
    course_id = serializers.UUIDField()


class PaymentInput(InputSerializer):
    method = serializers.ChoiceField(choices=["card"])
    token = serializers.CharField(max_length=255, help_text="Sandbox: tok_visa, tok_declined, tok_error.")


class CheckoutInput(InputSerializer):
    """Only these fields are read; anything else (total, status, paid_at...) is ignored."""

    payment = PaymentInput(required=False, help_text="Required unless a sponsorship makes the total zero.")
    sponsorship_code = serializers.CharField(max_length=64, required=False, allow_blank=True)


class RefundInput(InputSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class SponsorInput(InputSerializer):
    name = serializers.CharField(max_length=200)
    contact_email = serializers.EmailField(max_length=254)
    website = serializers.URLField(max_length=300, required=False, allow_blank=True, default="")
    message = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class SponsorshipInput(InputSerializer):
    course_id = serializers.UUIDField()
    seats = serializers.IntegerField(min_value=SEATS_MIN, max_value=SEATS_MAX)
