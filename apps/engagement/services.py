"""Course Q&A use cases: asking, answering, accepting, moderating.

Who may do what (checked here, whatever calls us: views, admin, AI tools):
- A course the actor cannot see at all (unknown, or a draft they do not
  teach) is 404 ``not_found``; a visible course where the actor is neither an
  enrolled learner (active or completed), an instructor nor staff is 403
  ``permission_denied``.
- Enrolled learners, instructors and staff read and write the Q&A. Archived
  courses stay readable but learners can no longer post (409 ``course_archived``).
- Hidden questions and answers are invisible to learners (authors included);
  instructors of the course and staff see them, flagged.
- Moderation (hide, unhide, delete) is for the course's instructors and staff
  whose role moderates (``engagement.change_*``, ``delete_*``); it is audited.
- The question's author or an instructor/staff accepts an answer.

Side effects: a new answer queues ``send_new_answer_email`` on commit (not
when people answer their own question).
"""

from __future__ import annotations

from uuid import UUID

from apps.catalog import repositories as catalog_repositories
from apps.catalog.models import Course
from apps.engagement import repositories
from apps.engagement.models import Answer, Question
from apps.engagement.tasks import send_new_answer_email
from apps.identity.services import require_user
from apps.learning.services import CourseAccess, course_member_access, course_staff_may
from deltalabs.audit import audit_record
from deltalabs.db import atomic, on_commit, transactional
from deltalabs.errors import Conflict, ErrorCode, NotFound, PermissionDenied, ValidationFailed
from deltalabs.pagination import Page, paginate


def course_access(*, actor, course_id: UUID) -> CourseAccess:
    """The actor's access to the course's Q&A, or the error that denies it."""
    return course_member_access(
        actor=actor,
        course_id=course_id,
        denied_message="Only enrolled learners, instructors and staff take part in this course's Q&A.",
    )


def _require_open_for_posting(access: CourseAccess) -> None:
    if access.course.status == Course.Status.ARCHIVED and not access.teaches:
        raise Conflict(ErrorCode.COURSE_ARCHIVED, "This course is archived; its Q&A is read-only.")


def _visible_question(access: CourseAccess, question_id: UUID) -> Question:
    question = repositories.question_in_course(course_id=access.course.pk, question_id=question_id)
    if question is None or (question.is_hidden and not access.teaches):
        raise NotFound.of("Question")
    return question


# --- Reading -------------------------------------------------------------------


def question_list(
    *, actor, course_id: UUID, lesson_id: UUID | None = None, cursor: str | None = None, limit: int = 20
) -> Page:
    """Questions of the course, newest first (hidden ones only for instructors/staff)."""
    access = course_access(actor=actor, course_id=course_id)
    queryset = repositories.question_list(
        course_id=access.course.pk, include_hidden=access.teaches, lesson_id=lesson_id
    )
    return paginate(queryset, ordering=["-created_at"], cursor=cursor, limit=limit)


def question_get(*, actor, course_id: UUID, question_id: UUID) -> Question:
    access = course_access(actor=actor, course_id=course_id)
    return _visible_question(access, question_id)


def answer_list(
    *, actor, course_id: UUID, question_id: UUID | None = None, cursor: str | None = None, limit: int = 20
) -> Page:
    """Answers in the course, oldest first (conversation order); ``question_id``
    narrows to one thread. A question the actor cannot see is 404."""
    access = course_access(actor=actor, course_id=course_id)
    if question_id is not None:
        _visible_question(access, question_id)
    queryset = repositories.answer_list(
        course_id=access.course.pk, include_hidden=access.teaches, question_id=question_id
    )
    return paginate(queryset, ordering=["created_at"], cursor=cursor, limit=limit)


# --- Writing -------------------------------------------------------------------


def question_create(*, actor, course_id: UUID, title: str, body: str, lesson_id: UUID | None = None) -> Question:
    """Ask a question in the course, optionally about one of its lessons
    (a lesson of another course is 400 ``validation_error``). No side effects
    beyond the row."""
    require_user(actor)
    access = course_access(actor=actor, course_id=course_id)
    _require_open_for_posting(access)
    if lesson_id is not None and catalog_repositories.lesson_course_id(lesson_id) != access.course.pk:
        raise ValidationFailed(
            "The lesson is not part of this course.", {"lesson_id": ["Not a lesson of this course."]}
        )
    with atomic():
        question = repositories.question_create(
            course_id=access.course.pk, author_id=actor.pk, title=title, body=body, lesson_id=lesson_id
        )
    question.author = actor
    return question


def _is_instructor(*, actor, access: CourseAccess) -> bool:
    if access.role == "instructor":
        return True
    if access.role == "staff":
        # Staff outrank instructors in course_role; the badge is about teaching.
        return catalog_repositories.course_is_instructor(user_id=actor.pk, course_id=access.course.pk)
    return False


def answer_create(*, actor, course_id: UUID, question_id: UUID, body: str) -> Answer:
    """Answer a question of the course (a question of another course, or one
    the actor cannot see, is 400 ``validation_error``).

    Side effects: the question's ``answer_count`` grows by one in the same
    transaction; the question's author is emailed on commit (unless they
    answered themselves).
    """
    require_user(actor)
    access = course_access(actor=actor, course_id=course_id)
    _require_open_for_posting(access)
    question = repositories.question_in_course(course_id=access.course.pk, question_id=question_id)
    if question is None or (question.is_hidden and not access.teaches):
        raise ValidationFailed("No such question in this course.", {"question_id": ["Not a question of this course."]})
    is_instructor = _is_instructor(actor=actor, access=access)

    # The question's counter is contended: retry write conflicts (MongoDB).
    @transactional
    def create() -> Answer:
        answer = repositories.answer_create(
            question=question, author_id=actor.pk, body=body, is_instructor=is_instructor
        )
        repositories.question_change_answer_count(question_id=question.pk, delta=1)
        if question.author_id != actor.pk:
            answer_id = str(answer.pk)
            on_commit(lambda: send_new_answer_email.delay(answer_id=answer_id))
        return answer

    answer = create()
    answer.author = actor
    return answer


def question_accept_answer(*, actor, course_id: UUID, question_id: UUID, answer_id: UUID) -> Question:
    """Mark ``answer_id`` as the question's accepted answer (replacing any
    earlier one). The question's author, instructors and staff only (403
    otherwise); an answer of another question, or a hidden one, is 400."""
    access = course_access(actor=actor, course_id=course_id)
    question = _visible_question(access, question_id)
    if question.author_id != actor.pk and not access.teaches:
        raise PermissionDenied("Only the question's author or an instructor can accept an answer.")
    answer = repositories.answer_in_course(course_id=access.course.pk, answer_id=answer_id)
    if answer is None or answer.question_id != question.pk or answer.is_hidden:
        raise ValidationFailed("That answer does not belong to this question.", {"answer_id": ["Not an answer here."]})
    transactional(repositories.question_set_accepted)(question_id=question.pk, answer_id=answer.pk)
    question.accepted_answer_id = answer.pk
    return question


# --- Moderation ------------------------------------------------------------------


def _answer_repr(answer: Answer) -> str:
    return f"Answer to “{answer.question.title}”"


def _require_moderator(actor, access: CourseAccess, perm: str) -> None:
    """The course's instructors moderate its Q&A; staff need ``perm`` (their role's)."""
    if not access.teaches:
        raise PermissionDenied("Only the course's instructors and staff moderate its Q&A.")
    if not course_staff_may(actor=actor, access=access, perm=perm):
        raise PermissionDenied("Your staff role does not allow moderating the Q&A.")


def _question_for_moderation(*, actor, question_id: UUID, course_id: UUID | None, perm: str) -> Question:
    require_user(actor)
    question = repositories.question_get(question_id)
    if question is None or (course_id is not None and question.course_id != course_id):
        raise NotFound.of("Question")
    access = course_access(actor=actor, course_id=question.course_id)
    if question.is_hidden and not access.teaches:
        raise NotFound.of("Question")
    _require_moderator(actor, access, perm)
    return question


def _answer_for_moderation(*, actor, answer_id: UUID, course_id: UUID | None, perm: str) -> Answer:
    require_user(actor)
    answer = repositories.answer_get(answer_id)
    if answer is None or (course_id is not None and answer.course_id != course_id):
        raise NotFound.of("Answer")
    access = course_access(actor=actor, course_id=answer.course_id)
    if (answer.is_hidden or answer.question.is_hidden) and not access.teaches:
        raise NotFound.of("Answer")
    _require_moderator(actor, access, perm)
    return answer


def question_hide(*, actor, question_id: UUID, hidden: bool = True, course_id: UUID | None = None) -> Question:
    """Hide (or, with ``hidden=False``, show again) a question and with it its
    thread. The course's instructors and staff with
    ``engagement.change_question``. Idempotent; a change is audited."""
    question = _question_for_moderation(
        actor=actor, question_id=question_id, course_id=course_id, perm="engagement.change_question"
    )

    @transactional  # moves a contended document: retried on write conflicts (MongoDB)
    def write() -> None:
        repositories.question_set_hidden(question_id=question.pk, hidden=hidden, by_id=actor.pk)
        if question.is_hidden != hidden:
            audit_record(
                actor=actor,
                action="hide" if hidden else "show",
                target=question,
                changes={"is_hidden": [question.is_hidden, hidden]},
            )

    write()
    return repositories.question_get(question.pk)


def answer_hide(*, actor, answer_id: UUID, hidden: bool = True, course_id: UUID | None = None) -> Answer:
    """Hide (or show again) one answer. The course's instructors and staff
    with ``engagement.change_answer``; a change is audited.

    Side effects: ``answer_count`` of its question follows (it counts visible
    answers); hiding the accepted answer un-accepts it. Idempotent: the flag
    flips with a conditional update, and only the call that flipped it moves
    the counter.
    """
    answer = _answer_for_moderation(
        actor=actor, answer_id=answer_id, course_id=course_id, perm="engagement.change_answer"
    )

    @transactional  # moves a contended document: retried on write conflicts (MongoDB)
    def write() -> None:
        if _set_answer_hidden(answer=answer, hidden=hidden, by_id=actor.pk):
            audit_record(
                actor=actor,
                action="hide" if hidden else "show",
                target=answer,
                changes={"is_hidden": [not hidden, hidden]},
                target_repr=_answer_repr(answer),
            )

    write()
    return repositories.answer_get(answer.pk)


def _set_answer_hidden(*, answer: Answer, hidden: bool, by_id: UUID) -> bool:
    changed = repositories.answer_set_hidden(answer_id=answer.pk, hidden=hidden, by_id=by_id)
    if changed:
        repositories.question_change_answer_count(question_id=answer.question_id, delta=-1 if hidden else 1)
        if hidden and answer.question.accepted_answer_id == answer.pk:
            repositories.question_set_accepted(question_id=answer.question_id, answer_id=None)
    return bool(changed)


def question_delete(*, actor, question_id: UUID, course_id: UUID | None = None) -> None:
    """Delete a question with all its answers. The course's instructors and
    staff with ``engagement.delete_question``; audited."""
    question = _question_for_moderation(
        actor=actor, question_id=question_id, course_id=course_id, perm="engagement.delete_question"
    )

    @transactional  # moves a contended document: retried on write conflicts (MongoDB)
    def write() -> None:
        repositories.question_delete(question.pk)
        audit_record(actor=actor, action="delete", target=question, note=question.body[:500])

    write()


def answer_delete(*, actor, answer_id: UUID, course_id: UUID | None = None) -> None:
    """Delete one answer. The course's instructors and staff with
    ``engagement.delete_answer``; audited.

    Side effects: a visible answer leaves ``answer_count`` one lower; an
    accepted answer is un-accepted. The answer is hidden first (the
    conditional flip decides who moves the counter), then deleted, so a
    concurrent hide cannot make the counter drop twice.
    """
    answer = _answer_for_moderation(
        actor=actor, answer_id=answer_id, course_id=course_id, perm="engagement.delete_answer"
    )

    @transactional  # moves a contended document: retried on write conflicts (MongoDB)
    def write() -> None:
        _set_answer_hidden(answer=answer, hidden=True, by_id=actor.pk)
        repositories.answer_delete(answer.pk)
        audit_record(
            actor=actor, action="delete", target=answer, note=answer.body[:500], target_repr=_answer_repr(answer)
        )

    write()
