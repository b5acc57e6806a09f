"""Payment providers: one interface, the built-in sandbox and an HTTP provider.

Checkout talks to ``get_provider()`` only. Every call carries an idempotency
key that the provider uses to deduplicate: the same key never charges twice,
so a retried checkout (after a crash, a timeout or a MongoDB transient-error
retry) presents the same key and gets the original charge back. Every
provider also answers "what happened to key K" (``lookup_charge``): the
checkout asks it when a charge's outcome is unknown, and the reconciliation
job asks it about orders left pending.

Provider answers are untrusted input: ``check_result`` verifies that the
amount and currency echo what we asked for and that the status is one we know,
and anything else is treated as a provider error.

Sandbox test tokens (docs/api.md, POST /v1/orders):
- ``tok_visa`` succeeds;
- ``tok_declined`` is declined (402 ``payment_declined``), as is any unknown token;
- ``tok_error`` fails with a provider error (502 ``payment_provider_error``);
- ``tok_timeout`` behaves like a provider that does not answer in time (502);
- ``tok_timeout_after_charge`` charges, then fails like a timeout: the charge
  is made but the answer is lost (``lookup_charge`` finds it).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError

from apps.commerce import repositories
from apps.commerce.models import SandboxCharge
from deltalabs import http

SANDBOX_SUCCESS = "tok_visa"
SANDBOX_DECLINED = "tok_declined"
SANDBOX_ERROR = "tok_error"
SANDBOX_TIMEOUT = "tok_timeout"
SANDBOX_TIMEOUT_AFTER_CHARGE = "tok_timeout_after_charge"

SUCCEEDED = "succeeded"
DECLINED = "declined"


@dataclass(frozen=True)
class ChargeResult:
    """A successful charge or refund as the provider reported it."""

    reference: str
    amount: Decimal
    currency: str
    status: str
    summary: dict = field(default_factory=dict)


class PaymentDeclined(Exception):
    """The card was refused; nothing was charged."""

    def __init__(self, decline_code: str, *, reference: str = ""):
        super().__init__(decline_code)
        self.decline_code = decline_code
        self.reference = reference


class PaymentProviderError(Exception):
    """The provider failed, timed out or answered nonsense; the outcome is unknown
    to us, so a retry must present the same idempotency key."""


class PaymentProvider(Protocol):
    name: str

    def charge(
        self, *, amount: Decimal, currency: str, token: str, idempotency_key: str, description: str
    ) -> ChargeResult: ...

    def refund(self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str) -> ChargeResult: ...

    def lookup_charge(self, *, idempotency_key: str) -> ChargeResult | None:
        """What happened to the charge sent with ``idempotency_key``: the
        succeeded charge, None when the provider has no charge under that key,
        ``PaymentDeclined`` when it declined it, ``PaymentProviderError`` when
        it cannot tell (unreachable, nonsense)."""
        ...


def check_result(result: ChargeResult, *, amount: Decimal, currency: str) -> ChargeResult:
    """Reject a provider answer that does not match the request (unsafe consumption)."""
    if result.status != SUCCEEDED:
        raise PaymentProviderError(f"unexpected status {result.status!r}")
    if result.amount != amount or result.currency != currency:
        raise PaymentProviderError("amount or currency in the answer does not match the request")
    if not result.reference or len(result.reference) > 100:
        raise PaymentProviderError("missing or oversized reference")
    return result


class SandboxProvider:
    """The built-in provider for development, demos and tests.

    It keeps a ledger (``SandboxCharge``) keyed by the idempotency key: the
    same key returns the original charge and charges nothing more, even when
    two calls with one key race (the key is unique). Declines are not kept:
    ``lookup_charge`` answers None for a declined key, as for one never sent.
    """

    name = "sandbox"

    def charge(
        self, *, amount: Decimal, currency: str, token: str, idempotency_key: str, description: str
    ) -> ChargeResult:
        if token == SANDBOX_ERROR:
            raise PaymentProviderError("sandbox: simulated provider failure")
        if token == SANDBOX_TIMEOUT:
            raise PaymentProviderError("sandbox: simulated timeout")
        if token == SANDBOX_TIMEOUT_AFTER_CHARGE:
            self._record("charge", idempotency_key=idempotency_key, amount=amount, currency=currency)
            raise PaymentProviderError("sandbox: simulated timeout after the charge was made")
        if token != SANDBOX_SUCCESS:
            raise PaymentDeclined("card_declined" if token == SANDBOX_DECLINED else "invalid_token")
        return self._record("charge", idempotency_key=idempotency_key, amount=amount, currency=currency)

    def refund(self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str) -> ChargeResult:
        return self._record("refund", idempotency_key=idempotency_key, amount=amount, currency=currency)

    def lookup_charge(self, *, idempotency_key: str) -> ChargeResult | None:
        entry = repositories.sandbox_charge_get(idempotency_key)
        if entry is None:
            return None
        if entry.kind != SandboxCharge.Kind.CHARGE:
            raise PaymentProviderError("sandbox: this key belongs to a refund")
        return self._result(entry)

    def _record(self, kind: str, *, idempotency_key: str, amount: Decimal, currency: str) -> ChargeResult:
        entry = repositories.sandbox_charge_get(idempotency_key)
        if entry is None:
            entry = self._create(kind, idempotency_key=idempotency_key, amount=amount, currency=currency)
        if entry.kind != kind or entry.amount != amount or entry.currency != currency:
            # What real providers do when a key is reused with other parameters.
            raise PaymentProviderError("sandbox: idempotency key reused with different parameters")
        return self._result(entry)

    @staticmethod
    def _create(kind: str, *, idempotency_key: str, amount: Decimal, currency: str) -> SandboxCharge:
        try:
            return repositories.sandbox_charge_create(
                idempotency_key=idempotency_key,
                kind=kind,
                reference=f"sb_{kind[:2]}_{secrets.token_hex(10)}",
                amount=amount,
                currency=currency,
            )
        except IntegrityError:
            # A concurrent call with the same key recorded it first (checkout
            # calls the provider outside any transaction): that is the charge.
            entry = repositories.sandbox_charge_get(idempotency_key)
            if entry is None:
                raise
            return entry

    def _result(self, entry: SandboxCharge) -> ChargeResult:
        return ChargeResult(
            reference=entry.reference,
            amount=entry.amount,
            currency=entry.currency,
            status=SUCCEEDED,
            summary={"provider": self.name, "reference": entry.reference, "kind": entry.kind},
        )


class HttpPaymentProvider:
    """A card gateway spoken to over JSON/HTTPS, with a hard timeout.

    ``POST {base_url}/charges`` ``{amount, currency, source, description}`` and
    ``POST {base_url}/refunds`` ``{charge, amount, currency}``, both with
    ``Authorization: Bearer <key>`` and ``Idempotency-Key``; the gateway answers
    ``{id, status: succeeded|declined, amount, currency, decline_code?}``.
    ``GET {base_url}/charges?idempotency_key=<key>`` answers the same object for
    the charge made under that key, or 404 when there is none.
    """

    name = "http"

    def __init__(self, *, base_url: str, api_key: str, timeout: float):
        if not base_url:
            raise ImproperlyConfigured("PAYMENT_BASE_URL is required for PAYMENT_PROVIDER=http")
        if not api_key:
            raise ImproperlyConfigured("PAYMENT_API_KEY is required for PAYMENT_PROVIDER=http")
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def charge(
        self, *, amount: Decimal, currency: str, token: str, idempotency_key: str, description: str
    ) -> ChargeResult:
        body = {"amount": str(amount), "currency": currency, "source": token, "description": description[:200]}
        return self._post("/charges", body, idempotency_key=idempotency_key)

    def refund(self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str) -> ChargeResult:
        body = {"charge": reference, "amount": str(amount), "currency": currency}
        return self._post("/refunds", body, idempotency_key=idempotency_key)

    def lookup_charge(self, *, idempotency_key: str) -> ChargeResult | None:
        try:
            response = http.get_json(
                f"{self.base_url}/charges",
                params={"idempotency_key": idempotency_key},
                headers={"Authorization": f"Bearer {self.api_key}"},
                timeout=self.timeout,
            )
        except http.UpstreamTimeout as exc:
            raise PaymentProviderError("timeout") from exc
        except http.UpstreamError as exc:
            raise PaymentProviderError(str(exc)) from exc
        if response.status_code == 404:
            return None
        return self._answer(response)

    def _post(self, path: str, body: dict, *, idempotency_key: str) -> ChargeResult:
        headers = {"Authorization": f"Bearer {self.api_key}", "Idempotency-Key": idempotency_key}
        try:
            response = http.post_json(f"{self.base_url}{path}", payload=body, headers=headers, timeout=self.timeout)
        except http.UpstreamTimeout as exc:
            raise PaymentProviderError("timeout") from exc
        except http.UpstreamError as exc:
            raise PaymentProviderError(str(exc)) from exc
        return self._answer(response)

    def _answer(self, response: http.UpstreamResponse) -> ChargeResult:
        if response.status_code >= 500 or response.status_code in (401, 403, 404, 409, 422, 429):
            raise PaymentProviderError(f"HTTP {response.status_code}")
        data = _json_object(response)
        status = data.get("status")
        if status == DECLINED or response.status_code == 402:
            raise PaymentDeclined(_short(data.get("decline_code")) or "card_declined", reference=_short(data.get("id")))
        if response.status_code >= 400:
            raise PaymentProviderError(f"HTTP {response.status_code}")
        try:
            amount = Decimal(str(data.get("amount")))
        except InvalidOperation as exc:
            raise PaymentProviderError("amount is not a decimal") from exc
        reference = _short(data.get("id"))
        currency = data.get("currency")
        if not isinstance(currency, str) or not isinstance(status, str):
            raise PaymentProviderError("malformed answer")
        return ChargeResult(
            reference=reference,
            amount=amount,
            currency=currency,
            status=status,
            summary={"provider": self.name, "reference": reference, "status": status},
        )


def _json_object(response: http.UpstreamResponse) -> dict:
    try:
        data = response.json()
    except ValueError as exc:
        raise PaymentProviderError("answer is not JSON") from exc
    if not isinstance(data, dict):
        raise PaymentProviderError("answer is not a JSON object")
    return data


def _short(value) -> str:
    return value[:100] if isinstance(value, str) else ""


def get_provider() -> PaymentProvider:
    """The provider chosen by ``settings.PAYMENT_PROVIDER``."""
    if settings.PAYMENT_PROVIDER == "sandbox":
        return SandboxProvider()
    if settings.PAYMENT_PROVIDER == "http":
        return HttpPaymentProvider(
            base_url=settings.PAYMENT_BASE_URL,
            api_key=settings.PAYMENT_API_KEY,
            timeout=settings.PAYMENT_TIMEOUT_SECONDS,
        )
    raise ImproperlyConfigured(f"Unknown PAYMENT_PROVIDER {settings.PAYMENT_PROVIDER!r}")
