"""Q&A moderation in the admin: pages render, actions go through the services."""

import pytest
from django.test import Client

from apps.engagement.models import Answer, Question
from tests.factories.engagement import AnswerFactory, QuestionFactory
from tests.factories.identity import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def thread():
    question = QuestionFactory(answer_count=2)
    return question, AnswerFactory(question=question), AnswerFactory(question=question)


def test_changelists_and_change_pages_render(admin_client, thread):
    question, first, _ = thread
    for url in (
        "/admin/engagement/question/",
        "/admin/engagement/answer/",
        f"/admin/engagement/question/{question.pk}/change/",
        f"/admin/engagement/answer/{first.pk}/change/",
        "/admin/engagement/question/?q=Question",
        "/admin/engagement/answer/?is_hidden__exact=0",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_hide_action_goes_through_the_service(admin_client, thread):
    question, first, second = thread
    response = admin_client.post(
        "/admin/engagement/answer/", {"action": "hide_selected", "_selected_action": [str(first.pk), str(second.pk)]}
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answer_count == 0  # the service moved the counter
    assert Answer.objects.filter(is_hidden=True, hidden_by__isnull=False).count() == 2


def test_delete_actions_go_through_the_service(admin_client, thread):
    question, first, _ = thread
    admin_client.post(
        "/admin/engagement/answer/", {"action": "delete_through_service", "_selected_action": [str(first.pk)]}
    )
    question.refresh_from_db()
    assert question.answer_count == 1
    admin_client.post(
        "/admin/engagement/question/", {"action": "delete_through_service", "_selected_action": [str(question.pk)]}
    )
    assert not Question.objects.exists() and not Answer.objects.exists()


def test_csv_export(admin_client, thread):
    question, _, _ = thread
    response = admin_client.post(
        "/admin/engagement/question/", {"action": "export_csv", "_selected_action": [str(question.pk)]}
    )
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0].startswith("id,course__slug")
    assert str(question.pk) in text
