"""Background jobs of the engagement domain. Tasks take ids and are idempotent."""

from __future__ import annotations

from apps.engagement import repositories
from deltalabs.emails import send_once
from deltalabs.tasks import idempotent_task


@idempotent_task(name="apps.engagement.tasks.send_new_answer_email")
def send_new_answer_email(*, answer_id: str) -> bool:
    """Tell the question's author about a new answer. Sent at most once per
    answer (``send_once`` key ``new-answer:<answer id>``); nothing is sent if
    the answer was deleted or hidden meanwhile, or answers the author's own
    question."""
    answer = repositories.answer_for_email(answer_id)
    if answer is None or answer.is_hidden or answer.question.is_hidden:
        return False
    question = answer.question
    recipient = question.author
    if recipient.pk == answer.author_id or not recipient.is_active:
        return False
    return send_once(
        key=f"new-answer:{answer.pk}",
        template="engagement/new_answer",
        to=recipient.email,
        context={
            "name": recipient.display_name,
            "question_title": question.title,
            "course_title": answer.course.title,
            "answerer": answer.author.display_name,
            "is_instructor": answer.is_instructor,
            "excerpt": answer.body[:500],
        },
    )
