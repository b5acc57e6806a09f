"""Concurrent chat turns on one conversation get distinct turn numbers and
never interleave their stored steps (real threads, file-backed SQLite)."""

import threading

import pytest
from django.db import connection

from apps.ai_orchestration.models import Conversation, Message
from tests.conftest import client_for
from tests.factories.ai_orchestration import ConversationFactory


@pytest.mark.django_db(transaction=True)
def test_parallel_turns_on_one_conversation(learner, catalogue):
    conversation = ConversationFactory(user=learner)
    statuses: list[int] = []
    lock = threading.Lock()

    def talk(text: str) -> None:
        try:
            client = client_for(learner)
            for _ in range(3):
                response = client.post(
                    "/v1/ai/chat", {"message": text, "conversation_id": str(conversation.pk)}, format="json"
                )
                with lock:
                    statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=talk, args=(text,)) for text in ("find python courses", "show my courses")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 6
    turns = sorted(Message.objects.filter(conversation=conversation, role="user").values_list("turn", flat=True))
    assert turns == [1, 2, 3, 4, 5, 6]
    assert Conversation.objects.get(pk=conversation.pk).turn_count == 6
    # each turn is whole: its question, one proposing step, one reply
    for turn in turns:
        steps = list(
            Message.objects.filter(conversation=conversation, turn=turn).order_by("step").values_list("step", flat=True)
        )
        assert steps == [0, 1, 2]
