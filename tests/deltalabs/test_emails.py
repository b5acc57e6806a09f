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
