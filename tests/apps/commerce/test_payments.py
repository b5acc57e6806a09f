"""Payment providers: the sandbox ledger, answer validation, and the HTTP
provider against a real local HTTP server (timeouts, declines, bad answers)."""

import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.commerce import payments
from apps.commerce.models import SandboxCharge
from apps.commerce.payments import (
    ChargeResult,
    HttpPaymentProvider,
    PaymentDeclined,
    PaymentProviderError,
    SandboxProvider,
    check_result,
)

AMOUNT = Decimal("49.00")


def charge(provider, *, token="tok_visa", key="key-1", amount=AMOUNT, currency="USD"):  # noqa: S107 - a test card token
    return provider.charge(amount=amount, currency=currency, token=token, idempotency_key=key, description="Order")


@pytest.mark.django_db
class TestSandbox:
    def test_visa_succeeds_and_is_recorded_under_its_key(self):
        result = charge(SandboxProvider())
        assert result.status == "succeeded" and result.amount == AMOUNT and result.currency == "USD"
        assert SandboxCharge.objects.get().reference == result.reference

    def test_same_key_never_charges_twice(self):
        provider = SandboxProvider()
        first = charge(provider, key="same")
        second = charge(provider, key="same")
        assert first.reference == second.reference
        assert SandboxCharge.objects.count() == 1

    def test_same_key_with_other_amount_is_a_provider_error(self):
        charge(SandboxProvider(), key="same")
        with pytest.raises(PaymentProviderError):
            charge(SandboxProvider(), key="same", amount=Decimal("1.00"))

    @pytest.mark.parametrize(("token", "code"), [("tok_declined", "card_declined"), ("tok_other", "invalid_token")])
    def test_declines(self, token, code):
        with pytest.raises(PaymentDeclined) as exc:
            charge(SandboxProvider(), token=token)
        assert exc.value.decline_code == code
        assert not SandboxCharge.objects.exists()

    @pytest.mark.parametrize("token", ["tok_error", "tok_timeout"])
    def test_provider_errors(self, token):
        with pytest.raises(PaymentProviderError):
            charge(SandboxProvider(), token=token)

    def test_refund_is_recorded_once(self):
        provider = SandboxProvider()
        original = charge(provider)
        kwargs = {"reference": original.reference, "amount": AMOUNT, "currency": "USD", "idempotency_key": "r-1"}
        assert provider.refund(**kwargs).reference == provider.refund(**kwargs).reference
        assert SandboxCharge.objects.filter(kind="refund").count() == 1


class TestCheckResult:
    def result(self, **overrides):
        values = {"reference": "ch_1", "amount": AMOUNT, "currency": "USD", "status": "succeeded", **overrides}
        return ChargeResult(**values)

    def test_matching_answer_passes(self):
        assert check_result(self.result(), amount=AMOUNT, currency="USD").reference == "ch_1"

    @pytest.mark.parametrize(
        "overrides",
        [
            {"amount": Decimal("4.90")},
            {"currency": "EUR"},
            {"status": "pending"},
            {"reference": ""},
            {"reference": "x" * 101},
        ],
    )
    def test_mismatch_is_a_provider_error(self, overrides):
        with pytest.raises(PaymentProviderError):
            check_result(self.result(**overrides), amount=AMOUNT, currency="USD")


class FakeGateway(BaseHTTPRequestHandler):
    """Answers according to the card token; records what it received."""

    received: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeGateway.received.append((self.path, dict(self.headers), body))
        source = body.get("source", "tok_ok")
        if source == "tok_slow":
            time.sleep(1.0)
        status, answer = {
            "tok_ok": (200, {"id": "ch_123", "status": "succeeded", "amount": body["amount"], "currency": "USD"}),
            "tok_no": (402, {"id": "ch_124", "status": "declined", "decline_code": "insufficient_funds"}),
            "tok_500": (500, {"error": "boom"}),
            "tok_liar": (200, {"id": "ch_125", "status": "succeeded", "amount": "0.01", "currency": "USD"}),
            "tok_weird": (200, {"id": "ch_126", "status": "maybe", "amount": body["amount"], "currency": "USD"}),
            "tok_slow": (200, {"id": "ch_127", "status": "succeeded", "amount": body["amount"], "currency": "USD"}),
        }.get(source, (200, []))
        raw = b"not json" if source == "tok_html" else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the timeout test hangs up on purpose


@pytest.fixture
def gateway():
    FakeGateway.received = []
    server = QuietServer(("127.0.0.1", 0), FakeGateway)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield HttpPaymentProvider(base_url=f"http://127.0.0.1:{server.server_port}/", api_key="sk_test", timeout=0.3)
    server.shutdown()
    server.server_close()


class TestHttpProvider:
    def test_success_sends_key_and_auth_and_is_validated(self, gateway):
        result = check_result(charge(gateway, token="tok_ok", key="idem-1"), amount=AMOUNT, currency="USD")
        assert result.reference == "ch_123"
        path, headers, body = FakeGateway.received[0]
        assert path == "/charges" and headers["Idempotency-Key"] == "idem-1"
        assert headers["Authorization"] == "Bearer sk_test"
        assert body == {"amount": "49.00", "currency": "USD", "source": "tok_ok", "description": "Order"}

    def test_decline(self, gateway):
        with pytest.raises(PaymentDeclined) as exc:
            charge(gateway, token="tok_no")
        assert exc.value.decline_code == "insufficient_funds" and exc.value.reference == "ch_124"

    @pytest.mark.parametrize("token", ["tok_500", "tok_html", "tok_array"])
    def test_server_errors_and_garbage_are_provider_errors(self, gateway, token):
        with pytest.raises(PaymentProviderError):
            charge(gateway, token=token)

    def test_timeout_is_a_provider_error(self, gateway):
        started = time.monotonic()
        with pytest.raises(PaymentProviderError, match="timeout"):
            charge(gateway, token="tok_slow")
        assert time.monotonic() - started < 1.0

    @pytest.mark.parametrize("token", ["tok_liar", "tok_weird"])
    def test_answers_that_do_not_match_fail_validation(self, gateway, token):
        with pytest.raises(PaymentProviderError):
            check_result(charge(gateway, token=token), amount=AMOUNT, currency="USD")

    def test_unreachable_gateway_is_a_provider_error(self):
        provider = HttpPaymentProvider(base_url="http://127.0.0.1:9", api_key="k", timeout=0.3)
        with pytest.raises(PaymentProviderError):
            charge(provider)

    def test_refund_posts_to_refunds(self, gateway):
        gateway.refund(reference="ch_123", amount=AMOUNT, currency="USD", idempotency_key="r-1")
        path, headers, body = FakeGateway.received[0]
        assert path == "/refunds" and body["charge"] == "ch_123" and headers["Idempotency-Key"] == "r-1"


class TestProviderChoice:
    def test_sandbox_by_default(self):
        assert isinstance(payments.get_provider(), SandboxProvider)

    def test_http_needs_a_base_url(self, settings):
        settings.PAYMENT_PROVIDER = "http"
        with pytest.raises(ImproperlyConfigured):
            payments.get_provider()

    def test_http_uses_the_configured_timeout(self, settings):
        settings.PAYMENT_PROVIDER = "http"
        settings.PAYMENT_BASE_URL = "https://pay.example"
        settings.PAYMENT_API_KEY = "sk_test_key"
        settings.PAYMENT_TIMEOUT_SECONDS = 4.5
        provider = payments.get_provider()
        assert isinstance(provider, HttpPaymentProvider) and provider.timeout == 4.5

    def test_unknown_provider_is_refused(self, settings):
        settings.PAYMENT_PROVIDER = "carrier-pigeon"
        with pytest.raises(ImproperlyConfigured):
            payments.get_provider()


def test_http_provider_needs_an_api_key(settings):
    from django.core.exceptions import ImproperlyConfigured

    from apps.commerce import payments

    settings.PAYMENT_PROVIDER = "http"
    settings.PAYMENT_BASE_URL = "http://127.0.0.1:9/"
    settings.PAYMENT_API_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="PAYMENT_API_KEY"):
        payments.get_provider()
