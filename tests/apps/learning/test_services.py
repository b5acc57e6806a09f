"""Learning rules: enrolling, seats, waitlists, cancellation, grants, progress."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from apps.catalog import services as catalog_services
from apps.catalog.models import Course
from apps.learning import hooks, services, tasks
from apps.learning.models import Enrollment, LessonProgress
from deltalabs.db import atomic
from deltalabs.errors import ApplicationError, Conflict, NotFound, PaymentRequired, PermissionDenied, ValidationFailed
from tests.factories.catalog import CourseFactory, DraftCourseFactory, LessonFactory, SectionFactory
from tests.factories.identity import UserFactory
from tests.factories.learning import EnrollmentFactory

pytestmark = pytest.mark.django_db

Status = Enrollment.Status


def seats(course) -> tuple[int, int]:
    course.refresh_from_db()
    return course.seats_taken, course.waitlist_length


def positions(course) -> list[int]:
    return list(
        Enrollment.objects.filter(course=course, status=Status.WAITLISTED)
        .order_by("waitlist_position")
        .values_list("waitlist_position", flat=True)
    )


def fill(course, count: int) -> list[Enrollment]:
    return [services.enrollment_create(actor=UserFactory(), course_id=course.pk) for _ in range(count)]


def waitlist(course, count: int) -> list[Enrollment]:
    return [services.enrollment_create(actor=UserFactory(), course_id=course.pk, waitlist=True) for _ in range(count)]


@pytest.fixture
def redeemer():
    """A sponsorship redeemer like commerce's: one valid code with 1 seat."""
    calls = []

    def redeem(*, actor, course_id, code):
        calls.append((actor.pk, course_id, code))
        if code != "GOOD":
            raise ValidationFailed("Bad code.", {"sponsorship_code": ["Unknown."]}, code="invalid_sponsorship_code")

    previous = hooks.sponsorship_redeemer()
    hooks.register_sponsorship_redeemer(redeem)
    yield calls
    # Put back whatever was registered (commerce's, in the full suite).
    hooks.register_sponsorship_redeemer(previous)


class TestEnrollmentCreate:
    def test_free_course_gives_an_active_enrollment_and_takes_a_seat(self, user):
        course = CourseFactory(capacity=3)
        enrollment = services.enrollment_create(actor=user, course_id=course.pk)
        assert (enrollment.status, enrollment.source, enrollment.waitlist_position) == ("active", "self", None)
        assert seats(course) == (1, 0)

    def test_unlimited_course_counts_seats_too(self, user):
        course = CourseFactory(capacity=None)
        services.enrollment_create(actor=user, course_id=course.pk)
        assert seats(course) == (1, 0)

    def test_paid_course_needs_payment(self, user):
        course = CourseFactory(price=Decimal("49.00"))
        with pytest.raises(PaymentRequired) as error:
            services.enrollment_create(actor=user, course_id=course.pk, waitlist=True)
        assert error.value.code == "payment_required"
        assert seats(course) == (0, 0)

    def test_full_course(self, user):
        course = CourseFactory(capacity=1)
        fill(course, 1)
        with pytest.raises(Conflict) as error:
            services.enrollment_create(actor=user, course_id=course.pk)
        assert error.value.code == "course_full"
        assert seats(course) == (1, 0)
        assert not Enrollment.objects.filter(user=user).exists()

    def test_full_course_with_waitlist_gives_contiguous_positions(self, user):
        course = CourseFactory(capacity=1)
        fill(course, 1)
        queued = waitlist(course, 3)
        assert [(e.status, e.waitlist_position) for e in queued] == [("waitlisted", n) for n in (1, 2, 3)]
        assert seats(course) == (1, 3)

    @pytest.mark.parametrize(
        ("opens", "closes"),
        [(timedelta(hours=1), None), (None, timedelta(hours=-1)), (timedelta(days=-3), timedelta(seconds=-1))],
    )
    def test_enrollment_window(self, user, opens, closes):
        now = timezone.now()
        course = CourseFactory(
            enrollment_opens_at=now + opens if opens else None,
            enrollment_closes_at=now + closes if closes else None,
        )
        with pytest.raises(Conflict) as error:
            services.enrollment_create(actor=user, course_id=course.pk)
        assert error.value.code == "enrollment_closed"

    def test_open_window(self, user):
        now = timezone.now()
        course = CourseFactory(
            enrollment_opens_at=now - timedelta(days=1), enrollment_closes_at=now + timedelta(days=1)
        )
        assert services.enrollment_create(actor=user, course_id=course.pk).status == "active"

    @pytest.mark.parametrize("status", [Status.ACTIVE, Status.WAITLISTED, Status.COMPLETED])
    def test_already_enrolled(self, user, status):
        course = CourseFactory()
        EnrollmentFactory(user=user, course=course, status=status)
        with pytest.raises(Conflict) as error:
            services.enrollment_create(actor=user, course_id=course.pk)
        assert error.value.code == "already_enrolled"

    def test_cancelled_learner_may_enroll_again(self, user):
        course = CourseFactory()
        first = services.enrollment_create(actor=user, course_id=course.pk)
        services.enrollment_cancel(actor=user, enrollment_id=first.pk)
        assert services.enrollment_create(actor=user, course_id=course.pk).status == "active"
        assert seats(course) == (1, 0)

    # A real transaction: inside the test's own transaction the unit would join
    # it (no savepoints, as on MongoDB) and there would be nothing to roll back.
    @pytest.mark.django_db(transaction=True)
    def test_unique_constraint_is_the_final_guard(self, user, monkeypatch):
        # given a duplicate that slipped past the pre-check (a concurrent request)
        course = CourseFactory(capacity=5)
        services.enrollment_create(actor=user, course_id=course.pk)
        monkeypatch.setattr("apps.learning.repositories.enrollment_current", lambda **kwargs: None)
        # when the second insert hits the constraint
        with pytest.raises(Conflict) as error:
            services.enrollment_create(actor=user, course_id=course.pk)
        # then it is already_enrolled and the seat it claimed was rolled back
        assert error.value.code == "already_enrolled"
        assert seats(course) == (1, 0)

    @pytest.mark.parametrize("factory", [DraftCourseFactory, lambda: CourseFactory(status="archived")])
    def test_unpublished_course_is_not_found(self, user, factory):
        with pytest.raises(NotFound):
            services.enrollment_create(actor=user, course_id=factory().pk)

    def test_unknown_course_is_not_found(self, user):
        with pytest.raises(NotFound):
            services.enrollment_create(actor=user, course_id=uuid.uuid4())


class TestSponsorship:
    def test_without_a_redeemer_every_code_is_invalid(self, user):
        course = CourseFactory(price=Decimal("49.00"))
        with pytest.raises(ValidationFailed) as error:
            services.enrollment_create(actor=user, course_id=course.pk, sponsorship_code="ANY")
        assert error.value.code == "invalid_sponsorship_code"

    def test_valid_code_enrolls_in_a_paid_course(self, user, redeemer):
        course = CourseFactory(price=Decimal("49.00"), capacity=2)
        enrollment = services.enrollment_create(actor=user, course_id=course.pk, sponsorship_code="GOOD")
        assert (enrollment.status, enrollment.source) == ("active", "sponsorship")
        assert redeemer == [(user.pk, course.pk, "GOOD")]
        assert seats(course) == (1, 0)

    # A real transaction: inside the test's own transaction the unit would join
    # it (no savepoints, as on MongoDB) and there would be nothing to roll back.
    @pytest.mark.django_db(transaction=True)
    def test_rejected_code_gives_the_seat_back(self, user, redeemer):
        course = CourseFactory(price=Decimal("49.00"), capacity=2)
        with pytest.raises(ValidationFailed) as error:
            services.enrollment_create(actor=user, course_id=course.pk, sponsorship_code="BAD")
        assert error.value.code == "invalid_sponsorship_code"
        assert seats(course) == (0, 0)
        assert not Enrollment.objects.exists()

    def test_code_on_a_full_course_is_course_full_not_waitlisted(self, user, redeemer):
        course = CourseFactory(capacity=1)
        fill(course, 1)
        with pytest.raises(Conflict) as error:
            services.enrollment_create(actor=user, course_id=course.pk, sponsorship_code="GOOD", waitlist=True)
        assert error.value.code == "course_full"
        assert redeemer == []  # the code was not consumed


class TestCancelAndPromote:
    def test_cancelling_an_active_enrollment_promotes_the_first_waitlisted(self, django_capture_on_commit_callbacks):
        # given a full course with three people waiting
        course = CourseFactory(capacity=2)
        active = fill(course, 2)
        queued = waitlist(course, 3)
        # when one active learner cancels
        with django_capture_on_commit_callbacks(execute=True):
            cancelled = services.enrollment_cancel(actor=active[0].user, enrollment_id=active[0].pk)
        # then the first in line is active, the rest moved up
        assert (cancelled.status, cancelled.cancellation_reason) == ("cancelled", "learner")
        assert cancelled.cancelled_at is not None
        promoted = Enrollment.objects.get(pk=queued[0].pk)
        assert (promoted.status, promoted.waitlist_position) == ("active", None)
        assert [Enrollment.objects.get(pk=e.pk).waitlist_position for e in queued[1:]] == [1, 2]
        assert seats(course) == (2, 2)
        # and the promoted learner got exactly one email
        [message] = mail.outbox
        assert message.to == [queued[0].user.email]
        assert course.title in message.subject

    def test_promotion_email_is_queued_on_commit_only(self, django_capture_on_commit_callbacks):
        course = CourseFactory(capacity=1)
        [active] = fill(course, 1)
        waitlist(course, 1)
        # On either engine: nothing is sent before the outermost commit, then once.
        with django_capture_on_commit_callbacks(execute=True), atomic():
            services.enrollment_cancel(actor=active.user, enrollment_id=active.pk)
            assert mail.outbox == []
        assert len(mail.outbox) == 1

    def test_cancelling_a_waitlisted_enrollment_closes_the_gap(self):
        course = CourseFactory(capacity=1)
        fill(course, 1)
        queued = waitlist(course, 4)
        services.enrollment_cancel(actor=queued[1].user, enrollment_id=queued[1].pk)
        assert positions(course) == [1, 2, 3]
        assert Enrollment.objects.get(pk=queued[3].pk).waitlist_position == 3
        assert Enrollment.objects.get(pk=queued[1].pk).waitlist_position is None
        assert seats(course) == (1, 3)
        assert mail.outbox == []

    def test_cancel_without_waitlist_just_frees_the_seat(self):
        course = CourseFactory(capacity=1)
        [active] = fill(course, 1)
        services.enrollment_cancel(actor=active.user, enrollment_id=active.pk)
        assert seats(course) == (0, 0)

    @pytest.mark.parametrize("status", [Status.COMPLETED, Status.CANCELLED])
    def test_completed_or_cancelled_cannot_be_cancelled(self, user, status):
        enrollment = EnrollmentFactory(user=user, status=status)
        with pytest.raises(Conflict) as error:
            services.enrollment_cancel(actor=user, enrollment_id=enrollment.pk)
        assert error.value.code == "enrollment_not_cancellable"

    def test_someone_elses_enrollment_is_not_found(self, user, other_user):
        enrollment = EnrollmentFactory(user=other_user)
        with pytest.raises(NotFound):
            services.enrollment_cancel(actor=user, enrollment_id=enrollment.pk)

    def test_staff_may_cancel_anyones(self, staff_user):
        course = CourseFactory(capacity=2)
        [active] = fill(course, 1)
        cancelled = services.enrollment_cancel(actor=staff_user, enrollment_id=active.pk)
        assert (cancelled.status, cancelled.cancellation_reason) == ("cancelled", "staff")

    def test_raising_the_capacity_promotes_into_the_new_seats(self, staff_user, django_capture_on_commit_callbacks):
        course = CourseFactory(capacity=1)
        fill(course, 1)
        queued = waitlist(course, 3)
        with django_capture_on_commit_callbacks(execute=True):
            catalog_services.course_update(actor=staff_user, course_id=course.pk, values={"capacity": 3})
        assert [Enrollment.objects.get(pk=e.pk).status for e in queued] == ["active", "active", "waitlisted"]
        assert positions(course) == [1]
        assert seats(course) == (3, 1)
        assert len(mail.outbox) == 2

    def test_unlimited_capacity_promotes_everyone(self, staff_user):
        course = CourseFactory(capacity=1)
        fill(course, 1)
        waitlist(course, 2)
        catalog_services.course_update(actor=staff_user, course_id=course.pk, values={"capacity": None})
        assert seats(course) == (3, 0)
        assert positions(course) == []


class TestGrantAndRevoke:
    def test_grant_ignores_price_and_window(self, user):
        course = CourseFactory(price=Decimal("99.00"), enrollment_closes_at=timezone.now() - timedelta(days=1))
        enrollment = services.enrollment_grant(user=user, course_id=course.pk, source="order")
        assert (enrollment.status, enrollment.source) == ("active", "order")
        assert seats(course) == (1, 0)

    def test_grant_respects_seats_and_duplicates(self, user):
        course = CourseFactory(capacity=1)
        services.enrollment_grant(user=user, course_id=course.pk, source="order")
        with pytest.raises(Conflict) as error:
            services.enrollment_grant(user=user, course_id=course.pk, source="order")
        assert error.value.code == "already_enrolled"
        with pytest.raises(Conflict) as error:
            services.enrollment_grant(user=UserFactory(), course_id=course.pk, source="order")
        assert error.value.code == "course_full"

    def test_grant_unknown_course_or_source(self, user):
        with pytest.raises(NotFound):
            services.enrollment_grant(user=user, course_id=uuid.uuid4(), source="order")
        with pytest.raises(ValidationFailed):
            services.enrollment_grant(user=user, course_id=CourseFactory().pk, source="gift")

    def test_grant_joins_the_callers_transaction(self, user):
        # given a caller (commerce) whose transaction fails after the grant
        course = CourseFactory(capacity=2)
        with pytest.raises(RuntimeError), atomic():
            services.enrollment_grant(user=user, course_id=course.pk, source="order")
            raise RuntimeError("payment declined")
        # then the seat and the enrollment are gone with it
        assert seats(course) == (0, 0)
        assert not Enrollment.objects.exists()

    def test_grant_errors_abort_the_callers_transaction(self, user):
        course = CourseFactory(capacity=1)
        other = CourseFactory(capacity=1)
        fill(course, 1)
        with pytest.raises(Conflict), atomic():
            services.enrollment_grant(user=user, course_id=other.pk, source="order")
            services.enrollment_grant(user=user, course_id=course.pk, source="order")
        assert seats(other) == (0, 0)

    # A real transaction: inside the test's own transaction the unit would join
    # it (no savepoints, as on MongoDB) and there would be nothing to roll back.
    @pytest.mark.django_db(transaction=True)
    def test_grant_translates_a_racing_duplicate(self, user, monkeypatch):
        course = CourseFactory(capacity=3)
        services.enrollment_grant(user=user, course_id=course.pk, source="order")
        monkeypatch.setattr("apps.learning.repositories.enrollment_current", lambda **kwargs: None)
        with pytest.raises(Conflict) as error:
            services.enrollment_grant(user=user, course_id=course.pk, source="order")
        assert error.value.code == "already_enrolled"
        assert seats(course) == (1, 0)

    @pytest.mark.parametrize("status", [Status.ACTIVE, Status.COMPLETED])
    def test_revoke_frees_the_seat_and_promotes(self, status, django_capture_on_commit_callbacks):
        course = CourseFactory(capacity=1)
        [enrollment] = fill(course, 1)
        Enrollment.objects.filter(pk=enrollment.pk).update(status=status)
        [queued] = waitlist(course, 1)
        with django_capture_on_commit_callbacks(execute=True):
            revoked = services.enrollment_revoke(enrollment_id=enrollment.pk, reason="refund: order 1042")
        assert (revoked.status, revoked.cancellation_reason) == ("cancelled", "refund: order 1042")
        assert Enrollment.objects.get(pk=queued.pk).status == "active"
        assert seats(course) == (1, 0)
        assert len(mail.outbox) == 1

    def test_revoke_is_idempotent(self):
        course = CourseFactory(capacity=2)
        [enrollment] = fill(course, 1)
        services.enrollment_revoke(enrollment_id=enrollment.pk, reason="refund")
        again = services.enrollment_revoke(enrollment_id=enrollment.pk, reason="refund")
        assert again.status == "cancelled"
        assert seats(course) == (0, 0)

    def test_revoke_unknown(self):
        with pytest.raises(NotFound):
            services.enrollment_revoke(enrollment_id=uuid.uuid4(), reason="refund")


class TestStaffEnrollment:
    def test_staff_enroll_ignoring_price_window_and_status(self, staff_user, user):
        course = DraftCourseFactory(price=Decimal("10"), enrollment_opens_at=timezone.now() + timedelta(days=9))
        enrollment = services.enrollment_create_by_staff(actor=staff_user, user_id=user.pk, course_id=course.pk)
        assert (enrollment.user_id, enrollment.status, enrollment.source) == (user.pk, "active", "staff")

    def test_staff_enrollment_respects_seats(self, staff_user, user):
        course = CourseFactory(capacity=1)
        fill(course, 1)
        with pytest.raises(Conflict) as error:
            services.enrollment_create_by_staff(actor=staff_user, user_id=user.pk, course_id=course.pk)
        assert error.value.code == "course_full"

    def test_only_staff(self, user, other_user):
        with pytest.raises(PermissionDenied):
            services.enrollment_create_by_staff(actor=user, user_id=other_user.pk, course_id=CourseFactory().pk)

    def test_unknown_user(self, staff_user):
        with pytest.raises(NotFound):
            services.enrollment_create_by_staff(actor=staff_user, user_id=uuid.uuid4(), course_id=CourseFactory().pk)


class TestListing:
    def test_own_enrollments_newest_first_by_status(self, user, other_user):
        now = timezone.now()
        old = EnrollmentFactory(user=user, enrolled_at=now - timedelta(days=2))
        new = EnrollmentFactory(user=user, enrolled_at=now - timedelta(days=1), status=Status.COMPLETED)
        EnrollmentFactory(user=other_user)
        assert [e.pk for e in services.enrollment_list(actor=user).items] == [new.pk, old.pk]
        assert [e.pk for e in services.enrollment_list(actor=user, status="completed").items] == [new.pk]
        with pytest.raises(ValidationFailed):
            services.enrollment_list(actor=user, status="paused")

    def test_get_own_or_staff(self, user, other_user, staff_user):
        enrollment = EnrollmentFactory(user=user)
        assert services.enrollment_get(actor=user, enrollment_id=enrollment.pk) == enrollment
        assert services.enrollment_get(actor=staff_user, enrollment_id=enrollment.pk) == enrollment
        with pytest.raises(NotFound):
            services.enrollment_get(actor=other_user, enrollment_id=enrollment.pk)


class TestProgress:
    @pytest.fixture
    def course(self):
        course = CourseFactory()
        first, second = SectionFactory(course=course, position=1), SectionFactory(course=course, position=2)
        LessonFactory(section=second, position=1)
        LessonFactory(section=first, position=2)
        LessonFactory(section=first, position=1)
        return course

    def lesson_ids(self, course):
        return [lesson.pk for lesson in course.lessons.order_by("section__position", "position")]

    def test_report_lists_every_lesson_in_outline_order(self, user, course):
        enrollment = services.enrollment_create(actor=user, course_id=course.pk)
        report = services.enrollment_progress(actor=user, enrollment_id=enrollment.pk)
        assert [state.lesson_id for state in report.lessons] == self.lesson_ids(course)
        assert (report.completed_lessons, report.total_lessons, report.percent) == (0, 3, 0)

    def test_completing_lessons(self, user, course):
        enrollment = services.enrollment_create(actor=user, course_id=course.pk)
        first = self.lesson_ids(course)[0]
        report = services.enrollment_progress_update(
            actor=user, enrollment_id=enrollment.pk, lesson_id=first, completed=True
        )
        assert (report.completed_lessons, report.percent) == (1, 33)
        assert report.lessons[0].completed and report.lessons[0].completed_at is not None
        assert not report.lessons[1].completed and report.lessons[1].completed_at is None

    def test_repeating_a_completion_changes_nothing(self, user, course):
        enrollment = services.enrollment_create(actor=user, course_id=course.pk)
        first = self.lesson_ids(course)[0]
        services.enrollment_progress_update(actor=user, enrollment_id=enrollment.pk, lesson_id=first, completed=True)
        row = LessonProgress.objects.get()
        services.enrollment_progress_update(actor=user, enrollment_id=enrollment.pk, lesson_id=first, completed=True)
        again = LessonProgress.objects.get()
        assert (again.completed_at, again.updated_at) == (row.completed_at, row.updated_at)

    def test_marking_not_done(self, user, course):
        enrollment = services.enrollment_create(actor=user, course_id=course.pk)
        first = self.lesson_ids(course)[0]
        services.enrollment_progress_update(actor=user, enrollment_id=enrollment.pk, lesson_id=first, completed=True)
        report = services.enrollment_progress_update(
            actor=user, enrollment_id=enrollment.pk, lesson_id=first, completed=False
        )
        assert report.completed_lessons == 0 and report.lessons[0].completed_at is None

    def test_last_lesson_completes_the_enrollment_and_emails_once(
        self, user, course, django_capture_on_commit_callbacks
    ):
        enrollment = services.enrollment_create(actor=user, course_id=course.pk)
        with django_capture_on_commit_callbacks(execute=True):
            for lesson_id in self.lesson_ids(course):
                report = services.enrollment_progress_update(
                    actor=user, enrollment_id=enrollment.pk, lesson_id=lesson_id, completed=True
                )
        assert (report.completed_lessons, report.percent) == (3, 100)
        enrollment.refresh_from_db()
        assert enrollment.status == "completed" and enrollment.completed_at is not None
        [message] = mail.outbox
        assert message.to == [user.email] and course.title in message.subject
        # un-doing and re-doing a lesson keeps it completed and sends nothing more
        with django_capture_on_commit_callbacks(execute=True):
            last = self.lesson_ids(course)[-1]
            services.enrollment_progress_update(
                actor=user, enrollment_id=enrollment.pk, lesson_id=last, completed=False
            )
            services.enrollment_progress_update(actor=user, enrollment_id=enrollment.pk, lesson_id=last, completed=True)
        enrollment.refresh_from_db()
        assert enrollment.status == "completed" and len(mail.outbox) == 1

    def test_completion_keeps_the_seat(self, user, course):
        Course.objects.filter(pk=course.pk).update(capacity=1)
        enrollment = services.enrollment_create(actor=user, course_id=course.pk)
        for lesson_id in self.lesson_ids(course):
            services.enrollment_progress_update(
                actor=user, enrollment_id=enrollment.pk, lesson_id=lesson_id, completed=True
            )
        assert seats(course) == (1, 0)

    def test_lesson_of_another_course_is_rejected(self, user, course):
        enrollment = services.enrollment_create(actor=user, course_id=course.pk)
        foreign = LessonFactory()
        with pytest.raises(ValidationFailed) as error:
            services.enrollment_progress_update(
                actor=user, enrollment_id=enrollment.pk, lesson_id=foreign.pk, completed=True
            )
        assert "lesson_id" in error.value.details
        with pytest.raises(ValidationFailed):
            services.enrollment_progress_update(
                actor=user, enrollment_id=enrollment.pk, lesson_id=uuid.uuid4(), completed=True
            )

    @pytest.mark.parametrize("status", [Status.WAITLISTED, Status.CANCELLED])
    def test_only_active_or_completed_enrollments_record_progress(self, user, course, status):
        enrollment = EnrollmentFactory(user=user, course=course, status=status)
        with pytest.raises(Conflict) as error:
            services.enrollment_progress_update(
                actor=user, enrollment_id=enrollment.pk, lesson_id=self.lesson_ids(course)[0], completed=True
            )
        assert error.value.code == "enrollment_not_active"

    def test_someone_elses_progress_is_not_found(self, user, other_user, course):
        enrollment = EnrollmentFactory(user=other_user, course=course)
        with pytest.raises(NotFound):
            services.enrollment_progress(actor=user, enrollment_id=enrollment.pk)
        with pytest.raises(NotFound):
            services.enrollment_progress_update(
                actor=user, enrollment_id=enrollment.pk, lesson_id=self.lesson_ids(course)[0], completed=True
            )

    def test_a_racing_duplicate_completion_is_harmless(self, user, course, monkeypatch):
        enrollment = services.enrollment_create(actor=user, course_id=course.pk)
        lesson_id = self.lesson_ids(course)[0]

        def racing_insert(**kwargs):
            raise IntegrityError("UNIQUE constraint failed: uniq_lesson_progress")

        monkeypatch.setattr("apps.learning.repositories.progress_insert", racing_insert)
        report = services.enrollment_progress_update(
            actor=user, enrollment_id=enrollment.pk, lesson_id=lesson_id, completed=True
        )
        assert report.enrollment_id == enrollment.pk


class TestCourseRole:
    def test_roles(self, user, staff_user):
        course = CourseFactory()
        assert services.course_role(actor=staff_user, course_id=course.pk) == "staff"
        assert services.course_role(actor=user, course_id=course.pk) is None
        EnrollmentFactory(user=user, course=course)
        assert services.course_role(actor=user, course_id=course.pk) == "learner"


class TestEmailTasks:
    def test_promotion_email_is_sent_once(self, user):
        enrollment = EnrollmentFactory(user=user)
        assert tasks.send_waitlist_promotion_email(enrollment_id=str(enrollment.pk)) is True
        assert tasks.send_waitlist_promotion_email(enrollment_id=str(enrollment.pk)) is False
        assert len(mail.outbox) == 1
        assert mail.outbox[0].alternatives  # html part

    def test_no_promotion_email_for_a_cancelled_enrollment(self, user):
        enrollment = EnrollmentFactory(user=user, status=Status.CANCELLED)
        assert tasks.send_waitlist_promotion_email(enrollment_id=str(enrollment.pk)) is False
        assert tasks.send_waitlist_promotion_email(enrollment_id=str(uuid.uuid4())) is False
        assert mail.outbox == []

    def test_completion_email_only_for_completed(self, user):
        active = EnrollmentFactory(user=user)
        assert tasks.send_completion_email(enrollment_id=str(active.pk)) is False
        done = EnrollmentFactory(user=user, status=Status.COMPLETED)
        assert tasks.send_completion_email(enrollment_id=str(done.pk)) is True
        assert len(mail.outbox) == 1


def test_application_errors_carry_codes():
    # a guard that the error module is what services raise (not generic exceptions)
    assert issubclass(Conflict, ApplicationError)


# --- The enrollment window (one rule for enrolling, carts and checkout) ----------------------


@pytest.mark.parametrize(
    ("opens", "closes", "is_open"),
    [
        (None, None, True),
        (0, None, True),  # opens at this very instant: open
        (1, None, False),
        (None, 0, False),  # closes at this very instant: closed
        (None, 1, True),
        (-2, -1, False),
    ],
    ids=["no-bounds", "opens-now", "not-yet", "closes-now", "closes-later", "over"],
)
def test_enrollment_window_bounds(opens, closes, is_open):
    now = timezone.now()
    course = Course(
        title="Windowed",
        enrollment_opens_at=None if opens is None else now + timedelta(hours=opens),
        enrollment_closes_at=None if closes is None else now + timedelta(hours=closes),
    )
    if is_open:
        services.enrollment_window_require(course=course, now=now)
    else:
        with pytest.raises(Conflict) as refused:
            services.enrollment_window_require(course=course, now=now)
        assert refused.value.code == "enrollment_closed"
        assert refused.value.details == {"course_id": str(course.pk)}
