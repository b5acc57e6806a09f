import pytest
from django.core import mail

from deltalabs.emails import send_once
from deltalabs.models import OutboundEmail

pytestmark = pytest.mark.django_db


def test_send_once_renders_text_and_html():
    assert send_once(key="hello:1", template="tests/hello", to="a@example.test", context={"name": "Ada"})
    [message] = mail.outbox
    assert message.subject == "Hello Ada"
    assert "Hi Ada" in message.body
    assert message.alternatives and "Hi Ada" in message.alternatives[0][0]
    assert OutboundEmail.objects.get(key="hello:1").status == "sent"


def test_same_key_sends_nothing_the_second_time():
    send_once(key="hello:2", template="tests/hello", to="a@example.test", context={"name": "Ada"})
    assert not send_once(key="hello:2", template="tests/hello", to="a@example.test", context={"name": "Ada"})
    assert len(mail.outbox) == 1


def test_failed_send_releases_the_key(monkeypatch):
    def broken(self, fail_silently=False):
        raise ConnectionError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    with pytest.raises(ConnectionError):
        send_once(key="hello:3", template="tests/hello", to="a@example.test", context={"name": "Ada"})
    assert not OutboundEmail.objects.filter(key="hello:3").exists()


def test_a_claim_abandoned_by_a_crashed_sender_is_taken_over():
    # given a sender that claimed the email and died before sending
    from datetime import timedelta

    from django.utils import timezone

    OutboundEmail.objects.create(key="hello:4", template="tests/hello", to="a@example.test")
    # when a retry comes soon after, it leaves the claim alone
    assert not send_once(key="hello:4", template="tests/hello", to="a@example.test", context={"name": "Ada"})
    # and once the claim is stale, the retry sends it, exactly once
    OutboundEmail.objects.filter(key="hello:4").update(claimed_at=timezone.now() - timedelta(minutes=11))
    assert send_once(key="hello:4", template="tests/hello", to="a@example.test", context={"name": "Ada"})
    assert not send_once(key="hello:4", template="tests/hello", to="a@example.test", context={"name": "Ada"})
    assert len(mail.outbox) == 1
    assert OutboundEmail.objects.get(key="hello:4").status == "sent"
