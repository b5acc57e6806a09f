"""The staff audit of the assistant: read-only transcripts and tool calls,
search by user email and tool, filters, per-user usage, CSV export."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.ai_orchestration import services
from tests.factories.ai_orchestration import ConversationFactory, ToolCallFactory
from tests.factories.identity import UserFactory

pytestmark = pytest.mark.django_db

CONVERSATIONS = "/admin/ai_orchestration/conversation/"
TOOL_CALLS = "/admin/ai_orchestration/toolcall/"


@pytest.fixture
def staff_browser(staff_user) -> Client:
    browser = Client()
    browser.force_login(staff_user)
    return browser


@pytest.fixture
def transcript(catalogue, labs):
    ada = UserFactory(email="ada@example.test", timezone="Europe/Berlin")
    first = services.chat_turn(actor=ada, message="tell me about Python Basics")
    services.chat_turn(actor=ada, message="enroll me in it", conversation_id=first.conversation_id)
    return first.conversation_id


def test_a_conversation_reads_as_a_transcript(staff_browser, transcript):
    page = staff_browser.get(f"{CONVERSATIONS}{transcript}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "tell me about Python Basics" in text and "enroll me in it" in text
    assert "get_course" in text and "enroll" in text
    assert 'name="_save"' not in text  # nothing to save: read-only


def test_records_cannot_be_added_changed_or_deleted(staff_browser, transcript):
    assert staff_browser.get(f"{CONVERSATIONS}add/").status_code == 403
    assert staff_browser.get(f"{TOOL_CALLS}add/").status_code == 403
    assert staff_browser.post(f"{CONVERSATIONS}{transcript}/delete/").status_code == 403
    changelist = staff_browser.get(CONVERSATIONS).content.decode()
    assert "delete_selected" not in changelist


def test_tool_calls_are_searchable_by_email_and_tool(staff_browser, transcript):
    ToolCallFactory(user=UserFactory(email="bob@example.test"), tool="view_cart")

    by_email = staff_browser.get(TOOL_CALLS, {"q": "ada@example"}).content.decode()
    assert "ada@example.test" in by_email and "bob@example.test" not in by_email
    by_tool = staff_browser.get(TOOL_CALLS, {"q": "view_cart"}).content.decode()
    assert "bob@example.test" in by_tool and "ada@example.test" not in by_tool
    filtered = staff_browser.get(TOOL_CALLS, {"tool": "enroll", "status": "ok"}).content.decode()
    assert "ada@example.test" in filtered and "bob@example.test" not in filtered


def test_conversations_are_searchable_by_email(staff_browser, transcript):
    ConversationFactory(user=UserFactory(email="carol@example.test"), title="carol's chat")
    page = staff_browser.get(CONVERSATIONS, {"q": "ada@"}).content.decode()
    assert "tell me about Python Basics" in page and "carol&#x27;s chat" not in page


def test_usage_per_user_page(staff_browser, transcript):
    page = staff_browser.get(f"{TOOL_CALLS}usage/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "ada@example.test" in text
    assert "Usage per user" in staff_browser.get(TOOL_CALLS).content.decode()


def test_learners_are_kept_out(transcript):
    browser = Client()
    browser.force_login(UserFactory())
    assert browser.get(f"{TOOL_CALLS}usage/").status_code == 302
    assert browser.get(CONVERSATIONS).status_code == 302


def test_csv_export_of_tool_calls(staff_browser, transcript):
    ids = [str(pk) for pk in services.repositories.ToolCall.objects.values_list("pk", flat=True)]
    response = staff_browser.post(TOOL_CALLS, {"action": "export_csv", "_selected_action": ids})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0].startswith("id,created_at,user__email,tool")
    assert "ada@example.test" in body


def test_changelist_cost_does_not_grow_with_rows(staff_browser):
    user = UserFactory()
    ToolCallFactory.create_batch(5, user=user)
    with CaptureQueriesContext(connection) as few:
        staff_browser.get(TOOL_CALLS)
    ToolCallFactory.create_batch(30, user=UserFactory())
    with CaptureQueriesContext(connection) as many:
        staff_browser.get(TOOL_CALLS)
    assert len(many) == len(few)
