"""Rules of the orchestration layer and the tool registry, below the API."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from apps.ai_orchestration import services
from apps.ai_orchestration.models import Conversation, Message, ToolCall
from apps.ai_orchestration.tools import REGISTRY, Tool, ToolArguments, ToolRegistry, run_tool
from deltalabs.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from tests.apps.ai_orchestration.scripted import ScriptedProvider, use_provider
from tests.factories.ai_orchestration import ConversationFactory, MessageFactory, ToolCallFactory
from tests.factories.identity import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

REQUIRED_TOOLS = {
    "search_courses",
    "get_course",
    "enroll",
    "my_enrollments",
    "my_progress",
    "my_grades",
    "lab_availability",
    "book_lab",
    "cancel_booking",
    "add_to_cart",
    "view_cart",
}


class TestRegistry:
    def test_every_required_tool_is_registered(self):
        assert set(REGISTRY.names()) >= REQUIRED_TOOLS

    def test_each_tool_is_declared_once_with_a_strict_schema(self):
        for name in REGISTRY.names():
            tool = REGISTRY._tools[name]
            schema = tool.parameters()
            assert tool.description and schema["type"] == "object"
            assert schema["additionalProperties"] is False, name
            json.dumps(schema)  # JSON-able, as providers need it

    def test_mutating_tools_are_flagged(self):
        mutating = {name for name in REGISTRY.names() if REGISTRY._tools[name].mutates}
        assert mutating == {
            "enroll",
            "cancel_enrollment",
            "book_lab",
            "cancel_booking",
            "add_to_cart",
            "remove_from_cart",
        }

    def test_a_name_cannot_be_declared_twice(self):
        tool = REGISTRY._tools["view_cart"]
        with pytest.raises(ValueError, match="declared twice"):
            ToolRegistry([tool, tool])

    def test_an_unexpected_failure_is_an_internal_error_without_details(self, learner):
        def explode(*, actor):
            raise RuntimeError("database password is hunter2")

        class NoArguments(ToolArguments):
            pass

        tool = Tool("boom", "Fails.", NoArguments, service=explode, serialize=dict, mutates=False)
        outcome = run_tool(tool, actor=learner, arguments={})
        assert outcome.status == "error" and outcome.http_status == 500
        assert outcome.error["code"] == "internal_error"
        assert "hunter2" not in json.dumps(outcome.error)

    def test_results_are_plain_json(self, learner, catalogue):
        outcome = run_tool(
            REGISTRY._tools["get_course"], actor=learner, arguments={"course_id": str(catalogue.advanced_python.id)}
        )
        assert outcome.ok
        assert json.loads(json.dumps(outcome.result)) == outcome.result
        assert outcome.result["price"] == "49.00" and outcome.result["currency"] == "USD"
        assert outcome.result["published_at"].endswith("Z")

    def test_only_signed_in_users_have_tools(self):
        with pytest.raises(NotAuthenticated):
            services.tools_available(actor=AnonymousUser())


class TestChatTurn:
    def test_anonymous_users_cannot_chat(self):
        with pytest.raises(NotAuthenticated):
            services.chat_turn(actor=AnonymousUser(), message="hello")

    def test_message_length_is_checked_by_the_service_too(self, learner):
        with pytest.raises(ValidationFailed):
            services.chat_turn(actor=learner, message="x" * 4001)

    def test_a_full_conversation_refuses_more_turns(self, learner):
        conversation = ConversationFactory(user=learner, turn_count=services.MAX_TURNS_PER_CONVERSATION)
        with pytest.raises(Conflict) as raised:
            services.chat_turn(actor=learner, message="hello", conversation_id=conversation.pk)
        assert raised.value.code == "conversation_full"

    def test_a_stale_turn_count_takes_the_next_free_turn(self, learner):
        conversation = ConversationFactory(user=learner)
        stale = Conversation.objects.get(pk=conversation.pk)
        Conversation.objects.filter(pk=conversation.pk).update(turn_count=3)  # another turn ran meanwhile
        assert services._claim_turn(stale, "offline") == 4
        assert Conversation.objects.get(pk=conversation.pk).turn_count == 4

    def test_the_provider_sees_a_bounded_window_starting_with_a_user_message(self, learner, monkeypatch):
        conversation = ConversationFactory(user=learner, turn_count=30)
        for turn in range(1, 31):
            MessageFactory(conversation=conversation, role="user", content=f"question {turn}", turn=turn, step=0)
            step = MessageFactory(conversation=conversation, role="assistant", content="", turn=turn, step=1)
            ToolCallFactory(user=learner, conversation=conversation, message=step, source="chat", call_id=f"c{turn}")
            MessageFactory(conversation=conversation, role="assistant", content=f"answer {turn}", turn=turn, step=2)
        provider = ScriptedProvider("fine")
        use_provider(monkeypatch, provider)

        services.chat_turn(actor=learner, message="latest", conversation_id=conversation.pk)

        history = provider.requests[0].history
        assert history[0].role == "user" and history[-1].content == "latest"
        # 40 stored messages at most, each assistant step followed by its tool result
        assert len([item for item in history if item.role != "tool"]) <= services.HISTORY_MESSAGES
        for index, item in enumerate(history):
            if item.role == "assistant" and item.calls:
                assert history[index + 1].role == "tool" and history[index + 1].call_id == item.calls[0].call_id

    def test_tool_call_counter_counts_every_stored_call(self, learner, monkeypatch, catalogue):
        use_provider(monkeypatch, ScriptedProvider([("view_cart", {}), ("my_enrollments", {})], "ok"))
        response = services.chat_turn(actor=learner, message="two things")
        conversation = Conversation.objects.get(pk=response.conversation_id)
        assert conversation.tool_call_count == 2 == ToolCall.objects.filter(conversation=conversation).count()

    def test_a_provider_naming_a_tool_it_was_not_offered_gets_a_tool_error(self, learner, monkeypatch):
        use_provider(monkeypatch, ScriptedProvider([("make_me_staff", {})], "ok"))
        response = services.chat_turn(actor=learner, message="escalate")
        assert response.tool_calls[0].error["code"] == "validation_error"
        learner.refresh_from_db()
        assert not learner.is_staff


class TestConversations:
    def test_get_is_own_only(self, learner):
        theirs = ConversationFactory()
        with pytest.raises(NotFound):
            services.conversation_get(actor=learner, conversation_id=theirs.pk)

    def test_list_is_own_only(self, learner):
        mine = ConversationFactory(user=learner)
        ConversationFactory()
        assert [c.pk for c in services.conversation_list(actor=learner).items] == [mine.pk]


class TestUsage:
    def test_counts_per_user_for_staff(self, learner):
        other = UserFactory()
        conversation = ConversationFactory(user=learner)
        MessageFactory(conversation=conversation, role="user", turn=1)
        MessageFactory(conversation=conversation, role="user", turn=2)
        for status in ("ok", "ok", "error"):
            ToolCallFactory(user=learner, status=status)
        ToolCallFactory(user=other)
        ToolCallFactory(user=other, created_at=timezone.now() - timedelta(days=40))  # outside the window

        rows = services.usage_per_user(actor=StaffFactory(), days=30)

        usage = {row.user_id: row for row in rows}
        assert [row.user_id for row in rows] == [learner.pk, other.pk]
        assert (usage[learner.pk].tool_calls, usage[learner.pk].errors, usage[learner.pk].turns) == (3, 1, 2)
        assert (usage[other.pk].tool_calls, usage[other.pk].errors, usage[other.pk].turns) == (1, 0, 0)

    def test_is_staff_only(self, learner):
        with pytest.raises(PermissionDenied):
            services.usage_per_user(actor=learner)


def test_tool_for_hides_unavailable_tools(learner, monkeypatch):
    tools = dict(REGISTRY._tools)
    tools["view_cart"] = dataclasses.replace(tools["view_cart"], available_to=lambda actor: False)
    monkeypatch.setattr(REGISTRY, "_tools", tools)
    assert services.tool_for(actor=learner, name="view_cart") is None
    assert "view_cart" not in [tool.name for tool in services.tools_available(actor=learner)]


def test_messages_are_stored_in_order(learner, catalogue):
    services.chat_turn(actor=learner, message="find python courses")
    assert list(Message.objects.order_by("turn", "step").values_list("role", "step")) == [
        ("user", 0),
        ("assistant", 1),
        ("assistant", 2),
    ]
