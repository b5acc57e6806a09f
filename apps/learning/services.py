"""Learning use cases: enrollments, seats, waitlists, progress.

Seat limits hold under any concurrency: a seat is taken by ONE conditional
update on ``Course.seats_taken`` (``apps.catalog.repositories.seat_claim``:
catalog owns the counters, learning decides who takes a seat) and "one
current enrollment per learner and course" by a partial unique constraint;
nothing is checked-then-written. Each use case is one transaction
(``deltalabs.db.transactional``); an ``IntegrityError`` aborts it and is
translated outside, never swallowed inside. Emails are queued on commit.

``seats_taken`` counts active and completed enrollments (finishing a course
does not hand the seat to someone else) and the ``pending`` holds of orders
whose payment has not settled (``enrollment_hold``), which learners never
see. The waitlist is FIFO with positions 1..n kept contiguous; when a seat
frees (a cancellation here, or more capacity: catalog's
``course_capacity_changed`` signal, answered by ``apps.learning.receivers``),
the first waitlisted learner gets it in the same transaction and is emailed.

Also answers "who is this person to this course?" for the domains above
learning (engagement, assessment, labs, commerce), and serves the course
reads that depend on it (``course_detail``, ``course_resources``: catalog
decides with the enrollment fact learning supplies).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from django.db import IntegrityError
from django.utils import timezone

from apps.catalog import repositories as catalog_repositories
from apps.catalog import services as catalog_services
from apps.catalog.models import Course
from apps.identity import repositories as identity_repositories
from apps.identity.services import is_signed_in, is_staff, require_user
from apps.learning import hooks, repositories, tasks
from apps.learning.errors import LearningErrorCode
from apps.learning.models import Enrollment
from deltalabs.audit import audit_record
from deltalabs.db import on_commit, transactional
from deltalabs.errors import Conflict, ErrorCode, NotFound, PaymentRequired, PermissionDenied, ValidationFailed
from deltalabs.pagination import Page, paginate
from deltalabs.permissions import require_staff_permission, staff_can

CourseRole = Literal["staff", "instructor", "learner"]
Status = Enrollment.Status
Source = Enrollment.Source


def course_role(*, actor, course_id: UUID) -> CourseRole | None:
    """The actor's strongest role on the course: staff, instructor, enrolled
    learner (active or completed), or None."""
    if is_staff(actor):
        return "staff"
    if not is_signed_in(actor):
        return None
    if catalog_repositories.course_is_instructor(user_id=actor.pk, course_id=course_id):
        return "instructor"
    if repositories.enrollment_is_active(user_id=actor.pk, course_id=course_id):
        return "learner"
    return None


# --- Helpers --------------------------------------------------------------------


def _enrollment_of(actor, enrollment_id: UUID) -> Enrollment:
    """The enrollment if it is the actor's own (or the actor is staff who may
    view enrollments); 404 otherwise, 403 for staff whose role does not."""
    require_user(actor)
    enrollment = repositories.enrollment_get(enrollment_id)
    if enrollment is None or (enrollment.user_id != actor.pk and not is_staff(actor)):
        raise NotFound.of("Enrollment")
    if enrollment.status == Status.PENDING:  # a seat held for an unsettled payment, not an enrollment yet
        raise NotFound.of("Enrollment")
    if enrollment.user_id != actor.pk:
        require_staff_permission(actor, "learning.view_enrollment", "Your staff role does not show enrollments.")
    return enrollment


def _enrollment_repr(enrollment: Enrollment) -> str:
    return f"{enrollment.user.email} in {enrollment.course.title}"


def _already_enrolled() -> Conflict:
    return Conflict(ErrorCode.ALREADY_ENROLLED, "You already have an enrollment in this course.")


def _course_full() -> Conflict:
    return Conflict(ErrorCode.COURSE_FULL, "This course has no free seats.")


def enrollment_window_require(*, course: Course, now: datetime) -> None:
    """The enrollment-window rule, for every way into a course (enrolling,
    adding it to a cart, checking it out): open from ``enrollment_opens_at``
    (inclusive) until ``enrollment_closes_at`` (exclusive); either bound may
    be absent. Outside it, 409 ``enrollment_closed`` naming the course."""
    opens, closes = course.enrollment_opens_at, course.enrollment_closes_at
    if (opens is not None and now < opens) or (closes is not None and now >= closes):
        raise Conflict(
            ErrorCode.ENROLLMENT_CLOSED, f"Enrollment for {course.title} is not open.", {"course_id": str(course.pk)}
        )


def _queue_promotion_email(enrollment_id: UUID) -> None:
    on_commit(lambda: tasks.send_waitlist_promotion_email.delay(enrollment_id=str(enrollment_id)))


def _close_waitlist_gap(*, course_id: UUID, position: int) -> None:
    """Take ``position`` out of the waitlist (promoted or cancelled): everyone
    behind moves up and the course's counter (catalog's) shrinks, together."""
    repositories.waitlist_positions_close_gap(course_id=course_id, position=position)
    catalog_repositories.waitlist_shrink(course_id)


def _promote_waitlist(course_id: UUID) -> list[UUID]:
    """Give free seats to waitlisted learners, first come first served.

    Runs inside the caller's transaction; returns the promoted enrollment ids
    and queues their emails on commit.
    """
    promoted: list[UUID] = []
    while (first := repositories.waitlist_first(course_id)) is not None:
        if not catalog_repositories.seat_claim(course_id):
            break
        activated = repositories.enrollment_change_status(
            enrollment_id=first.pk,
            from_status=Status.WAITLISTED,
            values={"status": Status.ACTIVE, "waitlist_position": None},
        )
        if not activated:  # cannot happen inside one serialised unit; never leak the seat
            catalog_repositories.seat_release(course_id)
            break
        _close_waitlist_gap(course_id=course_id, position=first.waitlist_position)
        promoted.append(first.pk)
        _queue_promotion_email(first.pk)
    return promoted


@transactional
def _cancel_unit(*, enrollment_id: UUID, cancellable: tuple[str, ...], reason: str, audit_actor=None) -> str | None:
    """Cancel; returns the status it left, or None when it was not cancellable.
    With ``audit_actor`` (staff cancelling someone's enrollment) the change is
    audited in the same transaction.

    The status is re-read inside the transaction: a waitlist position may have
    moved since the caller looked.
    """
    enrollment = repositories.enrollment_get(enrollment_id)
    if enrollment is None or enrollment.status not in cancellable:
        return None
    changed = repositories.enrollment_change_status(
        enrollment_id=enrollment_id,
        from_status=enrollment.status,
        values={
            "status": Status.CANCELLED,
            "cancelled_at": timezone.now(),
            "waitlist_position": None,
            "cancellation_reason": reason[:200],
        },
    )
    if not changed:
        return None
    if audit_actor is not None:
        audit_record(
            actor=audit_actor,
            action="cancel",
            target=enrollment,
            changes={"status": [enrollment.status, Status.CANCELLED], "cancellation_reason": ["", reason[:200]]},
            target_repr=_enrollment_repr(enrollment),
        )
    if enrollment.status in repositories.SEAT_STATUSES:
        catalog_repositories.seat_release(enrollment.course_id)
        _promote_waitlist(enrollment.course_id)
    elif enrollment.status == Status.WAITLISTED:
        _close_waitlist_gap(course_id=enrollment.course_id, position=enrollment.waitlist_position)
    return enrollment.status


# --- Enrolling --------------------------------------------------------------------


@transactional
def _enroll_unit(*, actor, course_id: UUID, sponsorship_code: str | None, waitlist: bool) -> Enrollment:
    if catalog_repositories.seat_claim(course_id):
        source = Source.SELF
        if sponsorship_code is not None:
            # Consumes one seat of the code or raises; either way inside this
            # transaction, so a bad code also gives the course seat back.
            hooks.sponsorship_redeemer()(actor=actor, course_id=course_id, code=sponsorship_code)
            source = Source.SPONSORSHIP
        return repositories.enrollment_insert(
            user_id=actor.pk, course_id=course_id, status=Status.ACTIVE, source=source
        )
    if waitlist and sponsorship_code is None:
        position = catalog_repositories.waitlist_grow(course_id)
        return repositories.enrollment_insert(
            user_id=actor.pk, course_id=course_id, status=Status.WAITLISTED, source=Source.SELF, position=position
        )
    raise _course_full()


def enrollment_create(
    *, actor, course_id: UUID, sponsorship_code: str | None = None, waitlist: bool = False
) -> Enrollment:
    """Enroll the actor in a published course.

    - 404 ``not_found``: unknown or unpublished course;
    - 409 ``already_enrolled``: the actor has a current (non-cancelled) enrollment;
    - 409 ``enrollment_closed``: before ``enrollment_opens_at`` or from ``enrollment_closes_at``;
    - 402 ``payment_required``: a paid course without a sponsorship code (buy it through the cart);
    - 400 ``invalid_sponsorship_code`` (or the redeemer's own error) for a bad code;
    - 409 ``course_full``: no free seat; with ``waitlist=True`` (free courses,
      no code) the learner is waitlisted instead, at the next position.

    Side effects: takes a course seat (or a waitlist position) and, with a
    code, one seat of the sponsorship, in one transaction.
    """
    require_user(actor)
    sponsorship_code = (sponsorship_code or "").strip() or None
    course = catalog_repositories.course_get(course_id)
    if course is None or course.status != Course.Status.PUBLISHED:
        raise NotFound.of("Course")
    if repositories.enrollment_current(user_id=actor.pk, course_id=course.pk) is not None:
        raise _already_enrolled()
    enrollment_window_require(course=course, now=timezone.now())
    if sponsorship_code is None and not course.is_free:
        raise PaymentRequired(LearningErrorCode.PAYMENT_REQUIRED, "This course is paid: buy it through the cart.")
    if sponsorship_code is not None and hooks.sponsorship_redeemer() is None:
        raise ValidationFailed(
            "This sponsorship code is not valid.",
            {"sponsorship_code": ["Unknown code."]},
            code=ErrorCode.INVALID_SPONSORSHIP_CODE,
        )
    try:
        return _enroll_unit(actor=actor, course_id=course.pk, sponsorship_code=sponsorship_code, waitlist=waitlist)
    except IntegrityError:
        # The unique constraint caught a concurrent duplicate; the whole unit
        # rolled back, seat included.
        raise _already_enrolled()


@transactional
def _grant_unit(*, user_id: UUID, course_id: UUID, source: str, status: str) -> Enrollment:
    if not catalog_repositories.seat_claim(course_id):
        raise _course_full()
    return repositories.enrollment_insert(user_id=user_id, course_id=course_id, status=status, source=source)


def _grant(*, user, course_id: UUID, source: str, status: str) -> Enrollment:
    if source not in Source.values:
        raise ValidationFailed("Unknown enrollment source.", {"source": [f"One of: {', '.join(Source.values)}."]})
    if catalog_repositories.course_get(course_id) is None:
        raise NotFound.of("Course")
    if repositories.enrollment_current(user_id=user.pk, course_id=course_id) is not None:
        raise _already_enrolled()
    try:
        return _grant_unit(user_id=user.pk, course_id=course_id, source=source, status=status)
    except IntegrityError:
        raise _already_enrolled()


def enrollment_grant(*, user, course_id: UUID, source: str) -> Enrollment:
    """Enroll ``user`` as active, for callers that already decided they may
    (staff enrolled them): no payment, window or status checks. Joins the
    caller's transaction when there is one.

    Raises 404 ``not_found`` (unknown course), 409 ``already_enrolled``, 409
    ``course_full``. Callers must let these abort their transaction.
    Side effects: takes one course seat.
    """
    return _grant(user=user, course_id=course_id, source=source, status=Status.ACTIVE)


def enrollment_hold(*, user, course_id: UUID, source: str) -> Enrollment:
    """Hold a seat of the course for ``user`` while their payment settles
    (checkout's first phase): a ``pending`` enrollment that counts in
    ``seats_taken`` and blocks any second enrollment of the user in the course
    (the unique constraint on current enrollments), but gives no access and is
    never shown to learners. ``enrollment_hold_confirm`` or
    ``enrollment_hold_release`` ends it. Joins the caller's transaction.

    Raises 404 ``not_found`` (unknown course), 409 ``already_enrolled``, 409
    ``course_full``. Side effects: takes one course seat.
    """
    return _grant(user=user, course_id=course_id, source=source, status=Status.PENDING)


def enrollment_hold_confirm(*, enrollment_id: UUID) -> bool:
    """The payment went through: the held seat becomes an active enrollment,
    enrolled now. False (and no change) when it is no longer held. Joins the
    caller's transaction. The seat was counted when it was held."""
    return transactional(repositories.enrollment_change_status)(
        enrollment_id=enrollment_id,
        from_status=Status.PENDING,
        values={"status": Status.ACTIVE, "enrolled_at": timezone.now()},
    )


def enrollment_hold_release(*, enrollment_id: UUID) -> bool:
    """The payment failed or never happened: the hold disappears (it never
    was an enrollment the learner saw), its seat is freed and the first
    waitlisted learner promoted, emails on commit. False (and no change) when
    it is no longer held. Joins the caller's transaction."""
    return _release_unit(enrollment_id=enrollment_id)


@transactional
def _release_unit(*, enrollment_id: UUID) -> bool:
    enrollment = repositories.enrollment_get(enrollment_id)
    # Conditional on the status: of two concurrent releases only one deletes
    # the hold, so the seat is freed once.
    if enrollment is None or not repositories.enrollment_delete_pending(enrollment_id):
        return False
    catalog_repositories.seat_release(enrollment.course_id)
    _promote_waitlist(enrollment.course_id)
    return True


def enrollment_create_by_staff(*, actor, user_id: UUID, course_id: UUID) -> Enrollment:
    """Staff enroll a learner (source ``staff``): price, window and course
    status are ignored, seats are not (409 ``course_full``).

    403 without ``learning.add_enrollment``, 404 for an unknown user or
    course, 409 ``already_enrolled``. Side effects: takes a seat; audited.
    """
    require_user(actor)
    require_staff_permission(actor, "learning.add_enrollment", "Your staff role does not allow enrolling people.")
    user = identity_repositories.user_get(user_id)
    if user is None:
        raise NotFound.of("User")
    return _grant_by_staff_unit(actor=actor, user=user, course_id=course_id)


@transactional
def _grant_by_staff_unit(*, actor, user, course_id: UUID) -> Enrollment:
    enrollment = enrollment_grant(user=user, course_id=course_id, source=Source.STAFF)
    enrollment = repositories.enrollment_get(enrollment.pk)
    audit_record(
        actor=actor,
        action="enroll",
        target=enrollment,
        changes={"status": [None, enrollment.status], "source": [None, enrollment.source]},
        target_repr=f"{user.email} in {enrollment.course.title}",
    )
    return enrollment


# --- Reading and cancelling -------------------------------------------------------------


def enrollment_list(*, actor, status: str | None = None, cursor: str | None = None, limit: int = 20) -> Page:
    """The actor's own enrollments, newest first, optionally of one status."""
    require_user(actor)
    if status is not None and status not in Enrollment.LEARNER_STATUSES:
        raise ValidationFailed("Unknown status.", {"status": [f"One of: {', '.join(Enrollment.LEARNER_STATUSES)}."]})
    queryset = repositories.enrollment_queryset(user_id=actor.pk, status=status)
    return paginate(queryset, ordering=["-enrolled_at"], cursor=cursor, limit=limit)


def enrollment_get(*, actor, enrollment_id: UUID) -> Enrollment:
    """One enrollment of the actor (staff: anyone's); 404 for other people's."""
    return _enrollment_of(actor, enrollment_id)


def enrollment_cancel(*, actor, enrollment_id: UUID) -> Enrollment:
    """Cancel an active or waitlisted enrollment (its owner, or staff with
    ``learning.cancel_enrollment``).

    404 for other people's enrollments; 403 for staff whose role does not
    cancel; 409 ``enrollment_not_cancellable`` when it is completed or already
    cancelled. Side effects: an active enrollment gives its seat to the first
    waitlisted learner (promotion email on commit); a waitlisted one closes
    its gap in the waitlist; a staff cancellation is audited.
    """
    enrollment = _enrollment_of(actor, enrollment_id)
    by_owner = enrollment.user_id == actor.pk
    if not by_owner:
        require_staff_permission(
            actor, "learning.cancel_enrollment", "Your staff role does not allow cancelling enrollments."
        )
    left = _cancel_unit(
        enrollment_id=enrollment.pk,
        cancellable=(Status.ACTIVE, Status.WAITLISTED),
        reason="learner" if by_owner else "staff",
        audit_actor=None if by_owner else actor,
    )
    if left is None:
        raise Conflict(
            LearningErrorCode.ENROLLMENT_NOT_CANCELLABLE, f"A {enrollment.status} enrollment cannot be cancelled."
        )
    return repositories.enrollment_get(enrollment.pk)


def enrollment_revoke(*, enrollment_id: UUID, reason: str) -> Enrollment:
    """Cancel an enrollment whatever its state, e.g. after a refund (the
    caller authorised it). Revoking a cancelled enrollment changes nothing.
    Joins the caller's transaction when there is one.

    404 for an unknown enrollment. Side effects: frees the seat (if it held
    one) and promotes the waitlist, emails on commit.
    """
    if repositories.enrollment_get(enrollment_id) is None:
        raise NotFound.of("Enrollment")
    _cancel_unit(
        enrollment_id=enrollment_id,
        cancellable=(Status.ACTIVE, Status.WAITLISTED, Status.COMPLETED),
        reason=reason or "revoked",
    )
    return repositories.enrollment_get(enrollment_id)


def waitlist_fill(*, course_id: UUID) -> list[UUID]:
    """Promote waitlisted learners into free seats (when a course's capacity
    changed: ``apps.learning.receivers``). Joins the caller's transaction;
    emails on commit."""
    return transactional(_promote_waitlist)(course_id)


# --- Progress ------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonProgressState:
    lesson_id: UUID
    completed: bool
    completed_at: datetime | None


@dataclass(frozen=True)
class ProgressReport:
    enrollment_id: UUID
    completed_lessons: int
    total_lessons: int
    # Whole percent, rounded down: 100 only when every lesson is done.
    percent: int
    lessons: list[LessonProgressState]


def _progress_report(enrollment: Enrollment) -> ProgressReport:
    lesson_ids = catalog_repositories.lesson_ids_in_outline_order(enrollment.course_id)
    rows = {row.lesson_id: row for row in repositories.progress_rows(enrollment.pk)}
    lessons = []
    for lesson_id in lesson_ids:
        row = rows.get(lesson_id)
        done = bool(row and row.completed)
        lessons.append(LessonProgressState(lesson_id, done, row.completed_at if done else None))
    completed = sum(1 for lesson in lessons if lesson.completed)
    total = len(lessons)
    return ProgressReport(
        enrollment_id=enrollment.pk,
        completed_lessons=completed,
        total_lessons=total,
        percent=completed * 100 // total if total else 0,
        lessons=lessons,
    )


def enrollment_progress(*, actor, enrollment_id: UUID) -> ProgressReport:
    """Per-lesson progress of the actor's enrollment (staff: anyone's); 404 otherwise."""
    return _progress_report(_enrollment_of(actor, enrollment_id))


@transactional
def _progress_unit(*, enrollment: Enrollment, lesson_id: UUID, completed: bool, audit_actor=None) -> None:
    enrollment_id, course_id = enrollment.pk, enrollment.course_id
    now = timezone.now()
    # Serialise progress updates of one enrollment on its row: otherwise two
    # "last lessons" completed at once could each miss the other in the
    # completion check below (MongoDB's snapshot reads), and nobody completes.
    repositories.enrollment_touch(enrollment_id=enrollment_id, now=now)
    if audit_actor is not None:
        audit_record(
            actor=audit_actor,
            action="progress",
            target=enrollment,
            changes={"completed": [not completed, completed]},
            note=f"lesson {lesson_id}",
            target_repr=_enrollment_repr(enrollment),
        )
    row = repositories.progress_get(enrollment_id=enrollment_id, lesson_id=lesson_id)
    if not completed:
        if row is not None and row.completed:
            repositories.progress_set(progress_id=row.pk, completed=False, completed_at=None)
        return
    if row is None:
        repositories.progress_insert(enrollment_id=enrollment_id, lesson_id=lesson_id, completed_at=now)
    elif not row.completed:
        repositories.progress_set(progress_id=row.pk, completed=True, completed_at=now)
    else:
        return
    all_lessons = catalog_repositories.lesson_ids(course_id)
    if all_lessons and all_lessons <= repositories.completed_lesson_ids(enrollment_id):
        finished = repositories.enrollment_change_status(
            enrollment_id=enrollment_id,
            from_status=Status.ACTIVE,
            values={"status": Status.COMPLETED, "completed_at": now},
        )
        if finished:
            on_commit(lambda: tasks.send_completion_email.delay(enrollment_id=str(enrollment_id)))


def enrollment_progress_update(*, actor, enrollment_id: UUID, lesson_id: UUID, completed: bool) -> ProgressReport:
    """Mark one lesson done (or not done) for the actor's enrollment (staff
    with ``learning.change_lessonprogress``: anyone's, audited).

    404 for other people's enrollments, 403 for staff whose role does not
    mark progress; 409 ``enrollment_not_active`` unless
    the enrollment is active or completed; 400 ``validation_error`` for a
    lesson that is not part of the course. Idempotent: repeating a change
    writes nothing. Completing the last lesson completes the enrollment and
    queues the completion email on commit. A completed enrollment stays
    completed when a lesson is marked not done again.
    """
    enrollment = _enrollment_of(actor, enrollment_id)
    by_owner = enrollment.user_id == actor.pk
    if not by_owner:
        require_staff_permission(
            actor, "learning.change_lessonprogress", "Your staff role does not allow recording progress."
        )
    if enrollment.status not in repositories.ACCESS_STATUSES:
        raise Conflict(
            LearningErrorCode.ENROLLMENT_NOT_ACTIVE, f"A {enrollment.status} enrollment has no progress to record."
        )
    if catalog_repositories.lesson_course_id(lesson_id) != enrollment.course_id:
        raise ValidationFailed(
            "This lesson is not part of the course.", {"lesson_id": ["Not a lesson of this course."]}
        )
    row = repositories.progress_get(enrollment_id=enrollment.pk, lesson_id=lesson_id)
    already = bool(row and row.completed) == completed
    if not already:
        # An IntegrityError means a concurrent identical request inserted the
        # row first (this unit rolled back): the outcome is the one asked for,
        # and that request ran the completion check.
        with contextlib.suppress(IntegrityError):
            _progress_unit(
                enrollment=enrollment,
                lesson_id=lesson_id,
                completed=completed,
                audit_actor=None if by_owner else actor,
            )
    return _progress_report(repositories.enrollment_get(enrollment.pk))


# --- Course reads that depend on enrollment ---------------------------------------


def _is_enrolled(actor, course_id: UUID) -> bool:
    return (
        actor is not None
        and actor.is_authenticated
        and repositories.enrollment_is_active(user_id=actor.pk, course_id=course_id)
    )


def course_detail(*, actor, course_id: UUID) -> catalog_services.CourseDetail:
    """The course with its outline as ``actor`` may read it
    (``apps.catalog.services.course_detail``), lesson content included for an
    enrolled learner (active or completed). No side effects."""
    return catalog_services.course_detail(actor=actor, course_id=course_id, enrolled=_is_enrolled(actor, course_id))


def course_detail_document(*, actor, course_id: UUID | str, render: catalog_services.RenderCourseDetail) -> dict:
    """``course_detail`` as the REST API serves it: catalog's cached rendering
    (``apps.catalog.services.course_detail_document``) with the enrollment
    fact. ``course_id`` may also be the course's slug (404 when unknown). No
    side effects."""
    course_id = catalog_services.course_id_for_ref(course_id)
    return catalog_services.course_detail_document(
        actor=actor, course_id=course_id, render=render, enrolled=_is_enrolled(actor, course_id)
    )


def course_detail_cache_keys(course_id: UUID) -> list[str]:
    """What ``course_detail_document`` reads from the cache (for the rate limiter's round trip)."""
    return catalog_services.course_detail_cache_keys(course_id)


def course_resources(*, actor, course_id: UUID, cursor: str | None = None, limit: int = 20) -> Page:
    """The course's resources for staff, instructors and enrolled learners
    (``apps.catalog.services.course_resources``: 404 invisible course, 403
    anyone else). No side effects."""
    return catalog_services.course_resources(
        actor=actor, course_id=course_id, enrolled=_is_enrolled(actor, course_id), cursor=cursor, limit=limit
    )


# --- Course membership for the domains above learning ------------------------

TEACHING_ROLES = ("staff", "instructor")


@dataclass(frozen=True)
class CourseAccess:
    """Who the actor is to a course they may take part in."""

    course: Course
    role: CourseRole

    @property
    def teaches(self) -> bool:
        return self.role in TEACHING_ROLES


def course_staff_may(*, actor, access: CourseAccess, perm: str) -> bool:
    """Whether the actor's teaching role on the course covers an action: the
    course's instructors always; other staff only with the permission ``perm``
    (``assessment.grade_submission``...). Staff outrank instructors in
    ``course_role``, so a staff member who also teaches the course is checked
    as its instructor when their role lacks ``perm``."""
    if access.role == "instructor":
        return True
    if access.role != "staff":
        return False
    return staff_can(actor, perm) or catalog_repositories.course_is_instructor(
        user_id=actor.pk, course_id=access.course.pk
    )


def course_member_access(*, actor, course_id: UUID, course: Course | None = None, denied_message: str) -> CourseAccess:
    """Access for course-scoped features (Q&A, assessments): enrolled learners
    (active or completed), instructors and staff.

    An unknown course, or a draft the actor does not teach, is 404 (never
    revealed); a visible course the actor has no part in is 403 with
    ``denied_message``.
    """
    require_user(actor)
    course = course or catalog_repositories.course_get(course_id)
    if course is None:
        raise NotFound.of("Course")
    role = course_role(actor=actor, course_id=course.pk)
    if course.status == Course.Status.DRAFT and role not in TEACHING_ROLES:
        raise NotFound.of("Course")
    if role is None:
        raise PermissionDenied(denied_message)
    return CourseAccess(course=course, role=role)
