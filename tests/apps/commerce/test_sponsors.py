"""Sponsors and sponsorships: visibility, membership, staff review, codes, redemption."""

import re
import threading

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.db import connection

from apps.catalog.models import Course
from apps.commerce.models import (
    Order,
    Payment,
    SandboxCharge,
    Sponsor,
    SponsorMember,
    Sponsorship,
    SponsorshipRedemption,
)
from apps.commerce.services import sponsors as sponsor_services
from apps.learning import hooks
from apps.learning.models import Enrollment
from deltalabs.errors import Conflict, NotFound, PermissionDenied
from tests.apps.commerce.conftest import checkout, fill_cart
from tests.conftest import client_for
from tests.factories.catalog import CourseFactory
from tests.factories.commerce import PaidCourseFactory, SponsorFactory, SponsorMemberFactory, SponsorshipFactory
from tests.factories.identity import UserFactory
from tests.support.emulator import THREAD_RACE

pytestmark = pytest.mark.django_db

APPLICATION = {
    "name": "Acme Foundation",
    "contact_email": "Grants@Acme.test",
    "website": "https://acme.test",
    "message": "We fund robotics learners.",
}


def enroll_with_code(client, course, code, key=None):
    return client.post(
        "/v1/enrollments",
        {"course_id": str(course.pk), "sponsorship_code": code},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key or f"enroll-{course.pk}-{code}",
    )


class TestSponsorList:
    def test_public_sees_approved_sponsors_only(self, api_client):
        approved = SponsorFactory(name="B approved")
        SponsorFactory(name="A pending", status=Sponsor.Status.PENDING)
        SponsorFactory(name="C rejected", status=Sponsor.Status.REJECTED)
        response = api_client.get("/v1/sponsors")
        assert response.status_code == 200
        body = response.json()
        assert [s["id"] for s in body["results"]] == [str(approved.pk)]
        assert body["results"][0]["my_role"] is None and body["results"][0]["contact_email"] is None
        assert body["next_cursor"] is None

    def test_signed_in_also_sees_own_applications(self, user, user_client):
        mine = SponsorMemberFactory(user=user, sponsor__status=Sponsor.Status.PENDING, sponsor__name="Mine").sponsor
        SponsorFactory(name="Someone else's", status=Sponsor.Status.PENDING)
        approved = SponsorFactory(name="Zeta")
        results = user_client.get("/v1/sponsors").json()["results"]
        assert [s["id"] for s in results] == [str(mine.pk), str(approved.pk)]
        assert results[0]["my_role"] == "owner" and results[0]["contact_email"] == mine.contact_email
        assert results[0]["status"] == "pending"

    def test_paginates_by_name(self, api_client, django_assert_max_num_queries):
        SponsorFactory.create_batch(5)
        with django_assert_max_num_queries(1):
            first = api_client.get("/v1/sponsors?limit=2").json()
        second = api_client.get(f"/v1/sponsors?limit=2&cursor={first['next_cursor']}").json()
        names = [s["name"] for s in first["results"] + second["results"]]
        assert names == sorted(names) and len(set(names)) == 4

    def test_detail_hides_pending_sponsors_from_strangers(self, user_client, other_user):
        pending = SponsorMemberFactory(user=other_user, sponsor__status=Sponsor.Status.PENDING).sponsor
        assert user_client.get(f"/v1/sponsors/{pending.pk}").status_code == 404
        assert client_for(other_user).get(f"/v1/sponsors/{pending.pk}").json()["my_role"] == "owner"

    def test_detail_of_approved_sponsor_is_public(self, api_client):
        sponsor = SponsorFactory()
        assert api_client.get(f"/v1/sponsors/{sponsor.pk}").json()["name"] == sponsor.name


class TestApply:
    def test_creates_a_pending_sponsor_owned_by_the_applicant(self, user, user_client):
        response = user_client.post("/v1/sponsors", APPLICATION, format="json")
        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "pending" and body["my_role"] == "owner"
        assert body["contact_email"] == "grants@acme.test"
        sponsor = Sponsor.objects.get(pk=body["id"])
        assert sponsor.created_by == user
        assert SponsorMember.objects.get(sponsor=sponsor).user == user

    def test_status_sent_by_the_client_is_ignored(self, user_client):
        response = user_client.post("/v1/sponsors", {**APPLICATION, "status": "approved"}, format="json")
        assert response.json()["status"] == "pending"

    def test_anonymous_is_401(self, api_client):
        assert api_client.post("/v1/sponsors", APPLICATION, format="json").status_code == 401

    def test_invalid_email_is_400(self, user_client):
        response = user_client.post("/v1/sponsors", {**APPLICATION, "contact_email": "nope"}, format="json")
        assert response.status_code == 400 and "contact_email" in response.json()["details"]

    @pytest.mark.parametrize(
        "website", ["nope", "mailto:grants@acme.test", "https://" + ".".join(["a" * 60] * 5) + ".test"]
    )
    def test_website_django_cannot_validate_as_a_url_is_400(self, user_client, website):
        # The schema says `format: uri`; the server also needs http(s)/ftp(s) and a host of at most 253 characters.
        response = user_client.post("/v1/sponsors", {**APPLICATION, "website": website}, format="json")
        assert response.status_code == 400 and "website" in response.json()["details"]


class TestSponsorReview:
    def test_staff_approve_once_and_the_contact_is_emailed(self, staff_user, django_capture_on_commit_callbacks):
        sponsor = SponsorFactory(status=Sponsor.Status.PENDING)
        with django_capture_on_commit_callbacks(execute=True):
            approved = sponsor_services.sponsor_approve(actor=staff_user, sponsor_id=sponsor.pk)
        assert approved.status == Sponsor.Status.APPROVED and approved.reviewed_at
        assert [m.to for m in mail.outbox] == [[sponsor.contact_email]]
        with pytest.raises(Conflict) as exc:
            sponsor_services.sponsor_reject(actor=staff_user, sponsor_id=sponsor.pk)
        assert exc.value.code == "already_reviewed"

    def test_staff_reject(self, staff_user):
        sponsor = SponsorFactory(status=Sponsor.Status.PENDING)
        assert sponsor_services.sponsor_reject(actor=staff_user, sponsor_id=sponsor.pk).status == "rejected"

    def test_learner_cannot_approve_their_own_application(self, user):
        sponsor = SponsorMemberFactory(user=user, sponsor__status=Sponsor.Status.PENDING).sponsor
        with pytest.raises(PermissionDenied):
            sponsor_services.sponsor_approve(actor=user, sponsor_id=sponsor.pk)
        assert Sponsor.objects.get(pk=sponsor.pk).status == Sponsor.Status.PENDING

    def test_learner_cannot_see_someone_elses_application(self, user):
        sponsor = SponsorFactory(status=Sponsor.Status.PENDING)
        with pytest.raises(NotFound):
            sponsor_services.sponsor_reject(actor=user, sponsor_id=sponsor.pk)


class TestRequestSponsorship:
    def test_member_of_approved_sponsor_requests_seats(self, user, user_client, paid_course):
        sponsor = SponsorMemberFactory(user=user, role="member").sponsor
        response = user_client.post(
            f"/v1/sponsors/{sponsor.pk}/sponsorships", {"course_id": str(paid_course.pk), "seats": 25}, format="json"
        )
        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "pending" and body["code"] is None
        assert (body["seats_total"], body["seats_used"], body["redemption_count"]) == (25, 0, 0)
        assert body["course"]["id"] == str(paid_course.pk)
        assert Sponsorship.objects.get().requested_by == user

    def test_non_member_of_visible_sponsor_is_403(self, user_client, paid_course):
        sponsor = SponsorFactory()
        response = user_client.post(
            f"/v1/sponsors/{sponsor.pk}/sponsorships", {"course_id": str(paid_course.pk), "seats": 2}, format="json"
        )
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"

    def test_invisible_sponsor_is_404(self, user_client, paid_course):
        sponsor = SponsorFactory(status=Sponsor.Status.PENDING)
        response = user_client.post(
            f"/v1/sponsors/{sponsor.pk}/sponsorships", {"course_id": str(paid_course.pk), "seats": 2}, format="json"
        )
        assert response.status_code == 404

    def test_own_pending_sponsor_is_409(self, user, user_client, paid_course):
        sponsor = SponsorMemberFactory(user=user, sponsor__status=Sponsor.Status.PENDING).sponsor
        response = user_client.post(
            f"/v1/sponsors/{sponsor.pk}/sponsorships", {"course_id": str(paid_course.pk), "seats": 2}, format="json"
        )
        assert response.status_code == 409 and response.json()["code"] == "sponsor_not_approved"

    @pytest.mark.parametrize("seats", [0, 1001, -3])
    def test_seats_out_of_range_is_400(self, user, user_client, paid_course, seats):
        sponsor = SponsorMemberFactory(user=user).sponsor
        response = user_client.post(
            f"/v1/sponsors/{sponsor.pk}/sponsorships", {"course_id": str(paid_course.pk), "seats": seats}, format="json"
        )
        assert response.status_code == 400 and "seats" in response.json()["details"]

    def test_unknown_course_is_404_and_free_course_400(self, user, user_client):
        sponsor = SponsorMemberFactory(user=user).sponsor
        url = f"/v1/sponsors/{sponsor.pk}/sponsorships"
        unknown = user_client.post(
            url, {"course_id": "6f1c1c1e-0000-4000-8000-000000000000", "seats": 1}, format="json"
        )
        assert unknown.status_code == 404
        free = user_client.post(url, {"course_id": str(CourseFactory(price=0).pk), "seats": 1}, format="json")
        assert free.status_code == 400 and free.json()["code"] == "course_is_free"


class TestSponsorshipUsage:
    def test_members_see_usage(self, user, user_client, django_assert_max_num_queries):
        sponsor = SponsorMemberFactory(user=user).sponsor
        used = SponsorshipFactory(sponsor=sponsor, seats_total=3, seats_used=2)
        for learner in UserFactory.create_batch(2):
            SponsorshipRedemption.objects.create(sponsorship=used, user=learner)
        SponsorshipFactory(sponsor=sponsor, status=Sponsorship.Status.PENDING, code=None)
        SponsorshipFactory()  # another sponsor's
        with django_assert_max_num_queries(5):
            body = user_client.get(f"/v1/sponsors/{sponsor.pk}/sponsorships").json()
        assert len(body["results"]) == 2
        row = next(r for r in body["results"] if r["id"] == str(used.pk))
        assert (row["seats_total"], row["seats_used"], row["redemption_count"], row["code"]) == (3, 2, 2, used.code)

    def test_non_member_is_403_and_invisible_sponsor_404(self, user_client):
        assert user_client.get(f"/v1/sponsors/{SponsorFactory().pk}/sponsorships").status_code == 403
        hidden = SponsorFactory(status=Sponsor.Status.REJECTED)
        assert user_client.get(f"/v1/sponsors/{hidden.pk}/sponsorships").status_code == 404


class TestSponsorshipReview:
    def test_staff_approval_issues_a_code_and_emails_it(self, staff_user, django_capture_on_commit_callbacks):
        requester = UserFactory()
        sponsorship = SponsorshipFactory(status=Sponsorship.Status.PENDING, code=None, requested_by=requester)
        with django_capture_on_commit_callbacks(execute=True):
            approved = sponsor_services.sponsorship_approve(actor=staff_user, sponsorship_id=sponsorship.pk)
        assert approved.status == Sponsorship.Status.APPROVED and approved.reviewed_by == staff_user
        assert re.fullmatch(r"[A-HJKMNP-TV-Z2-9]{12}", approved.code)
        assert mail.outbox[0].to == [requester.email] and approved.code in mail.outbox[0].body

    def test_second_review_is_409(self, staff_user):
        sponsorship = SponsorshipFactory()
        with pytest.raises(Conflict) as exc:
            sponsor_services.sponsorship_reject(actor=staff_user, sponsorship_id=sponsorship.pk)
        assert exc.value.code == "already_reviewed"

    def test_rejection_leaves_no_code(self, staff_user):
        sponsorship = SponsorshipFactory(status=Sponsorship.Status.PENDING, code=None)
        rejected = sponsor_services.sponsorship_reject(actor=staff_user, sponsorship_id=sponsorship.pk)
        assert rejected.status == "rejected" and rejected.code is None

    def test_sponsor_must_be_approved(self, staff_user):
        sponsorship = SponsorshipFactory(
            status=Sponsorship.Status.PENDING, code=None, sponsor__status=Sponsor.Status.REJECTED
        )
        with pytest.raises(Conflict) as exc:
            sponsor_services.sponsorship_approve(actor=staff_user, sponsorship_id=sponsorship.pk)
        assert exc.value.code == "sponsor_not_approved"

    def test_code_collision_is_retried_in_a_new_transaction(self, staff_user, monkeypatch):
        taken = SponsorshipFactory(code="TAKENTAKEN22")
        pending = SponsorshipFactory(status=Sponsorship.Status.PENDING, code=None)
        codes = iter(["TAKENTAKEN22", "FRESHCODE234"])
        monkeypatch.setattr(sponsor_services, "new_sponsorship_code", lambda: next(codes))
        approved = sponsor_services.sponsorship_approve(actor=staff_user, sponsorship_id=pending.pk)
        assert approved.code == "FRESHCODE234"
        assert Sponsorship.objects.get(pk=taken.pk).code == "TAKENTAKEN22"

    def test_member_learner_cannot_approve(self, user):
        sponsorship = SponsorshipFactory(status=Sponsorship.Status.PENDING, code=None)
        SponsorMemberFactory(user=user, sponsor=sponsorship.sponsor)
        with pytest.raises(PermissionDenied):
            sponsor_services.sponsorship_approve(actor=user, sponsorship_id=sponsorship.pk)
        assert Sponsorship.objects.get(pk=sponsorship.pk).status == Sponsorship.Status.PENDING

    def test_stranger_learner_gets_404(self, user):
        sponsorship = SponsorshipFactory(status=Sponsorship.Status.PENDING, code=None)
        with pytest.raises(NotFound):
            sponsor_services.sponsorship_approve(actor=user, sponsorship_id=sponsorship.pk)


class TestRedemptionThroughEnrollments:
    def test_code_enrolls_in_a_paid_course_and_uses_a_seat(self, user, user_client):
        sponsorship = SponsorshipFactory(seats_total=2)
        response = enroll_with_code(user_client, sponsorship.course, sponsorship.code.lower())
        assert response.status_code == 201
        enrollment = Enrollment.objects.get(user=user)
        assert (enrollment.status, enrollment.source) == ("active", "sponsorship")
        assert Sponsorship.objects.get(pk=sponsorship.pk).seats_used == 1
        assert SponsorshipRedemption.objects.get().user == user

    def test_code_for_another_course_is_400(self, user_client, paid_course):
        sponsorship = SponsorshipFactory()
        response = enroll_with_code(user_client, paid_course, sponsorship.code)
        assert response.status_code == 400 and response.json()["code"] == "invalid_sponsorship_code"

    def test_pending_sponsorship_is_400(self, user_client):
        sponsorship = SponsorshipFactory(status=Sponsorship.Status.PENDING)
        assert enroll_with_code(user_client, sponsorship.course, sponsorship.code).status_code == 400

    def test_one_redemption_per_learner(self, user, user_client):
        sponsorship = SponsorshipFactory(seats_total=5)
        enroll_with_code(user_client, sponsorship.course, sponsorship.code, key="first")
        Enrollment.objects.filter(user=user).update(status=Enrollment.Status.CANCELLED)
        response = enroll_with_code(user_client, sponsorship.course, sponsorship.code, key="second")
        assert response.status_code == 409 and response.json()["code"] == "sponsorship_already_redeemed"
        assert Sponsorship.objects.get(pk=sponsorship.pk).seats_used == 1


@pytest.mark.django_db(transaction=True)
class TestFailedRedemptionRollsBack:
    """The learning transaction really rolls back here (no test-wide transaction around it)."""

    def test_unknown_code_is_400(self):
        paid_course = PaidCourseFactory()
        response = enroll_with_code(client_for(UserFactory()), paid_course, "NOSUCHCODE")
        assert response.status_code == 400 and response.json()["code"] == "invalid_sponsorship_code"
        assert Course.objects.get(pk=paid_course.pk).seats_taken == 0

    def test_exhausted_code_is_409_and_takes_no_course_seat(self):
        sponsorship = SponsorshipFactory(seats_total=1, seats_used=1, course__capacity=5)
        response = enroll_with_code(client_for(UserFactory()), sponsorship.course, sponsorship.code)
        assert response.status_code == 409 and response.json()["code"] == "sponsorship_exhausted"
        assert Course.objects.get(pk=sponsorship.course_id).seats_taken == 0
        assert not Enrollment.objects.exists()


@pytest.mark.emulator_cannot_judge(THREAD_RACE)
@pytest.mark.django_db(transaction=True)
def test_thirty_parallel_redemptions_of_a_ten_seat_code():
    # given: a 10-seat code and 30 learners
    sponsorship = SponsorshipFactory(seats_total=10, course__capacity=100)
    learners = UserFactory.create_batch(30)
    barrier = threading.Barrier(len(learners))
    outcomes = []
    lock = threading.Lock()

    def redeem(learner):
        client = client_for(learner)
        barrier.wait()
        response = enroll_with_code(client, sponsorship.course, sponsorship.code)
        with lock:
            outcomes.append((response.status_code, response.json().get("code")))
        connection.close()

    # when
    threads = [threading.Thread(target=redeem, args=(learner,)) for learner in learners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert sorted(outcomes, key=str) == sorted([(201, None)] * 10 + [(409, "sponsorship_exhausted")] * 20, key=str)
    assert Sponsorship.objects.get(pk=sponsorship.pk).seats_used == 10
    assert Enrollment.objects.filter(source="sponsorship", status="active").count() == 10
    assert SponsorshipRedemption.objects.count() == 10
    assert Course.objects.get(pk=sponsorship.course_id).seats_taken == 10


class TestCheckoutWithCode:
    def test_code_makes_its_course_free_and_uses_one_seat(self, user, user_client):
        sponsorship = SponsorshipFactory(seats_total=3)
        other = PaidCourseFactory(price="30.00")
        fill_cart(user, sponsorship.course, other)
        response = checkout(user_client, sponsorship_code=sponsorship.code)
        assert response.status_code == 201
        body = response.json()
        assert (body["subtotal"], body["discount"], body["total"]) == ("79.00", "49.00", "30.00")
        sponsored = next(i for i in body["items"] if i["course"]["id"] == str(sponsorship.course_id))
        assert sponsored["discount"] == "49.00"
        assert Enrollment.objects.get(user=user, course=sponsorship.course).source == "sponsorship"
        assert Enrollment.objects.get(user=user, course=other).source == "order"
        assert Sponsorship.objects.get(pk=sponsorship.pk).seats_used == 1
        redemption = SponsorshipRedemption.objects.get()
        assert str(redemption.order_id) == body["id"] and redemption.enrollment_id is not None

    def test_fully_sponsored_cart_needs_no_payment(self, user, user_client):
        sponsorship = SponsorshipFactory()
        fill_cart(user, sponsorship.course)
        response = user_client.post(
            "/v1/orders", {"sponsorship_code": sponsorship.code}, format="json", HTTP_IDEMPOTENCY_KEY="free"
        )
        assert response.status_code == 201
        assert response.json()["total"] == "0.00" and response.json()["status"] == "paid"
        assert not Payment.objects.exists() and not SandboxCharge.objects.exists()

    def test_code_for_a_course_not_in_the_cart_is_400(self, user, user_client, paid_course):
        fill_cart(user, paid_course)
        response = checkout(user_client, sponsorship_code=SponsorshipFactory().code)
        assert response.status_code == 400 and response.json()["code"] == "invalid_sponsorship_code"

    def test_exhausted_code_is_409(self, user, user_client):
        sponsorship = SponsorshipFactory(seats_total=1, seats_used=1)
        fill_cart(user, sponsorship.course)
        response = checkout(user_client, sponsorship_code=sponsorship.code)
        assert response.status_code == 409 and response.json()["code"] == "sponsorship_exhausted"


@pytest.mark.django_db(transaction=True)
def test_declined_checkout_gives_the_sponsored_seat_back():
    user = UserFactory()
    sponsorship = SponsorshipFactory(seats_total=1)
    fill_cart(user, sponsorship.course, PaidCourseFactory())
    response = checkout(client_for(user), token="tok_declined", sponsorship_code=sponsorship.code)
    assert response.status_code == 402
    assert Sponsorship.objects.get(pk=sponsorship.pk).seats_used == 0
    assert not SponsorshipRedemption.objects.exists()
    assert Order.objects.get().status == "failed"


def test_commerce_registers_its_redeemer_at_startup():
    hooks.register_sponsorship_redeemer(None)
    django_apps.get_app_config("commerce").ready()
    assert hooks.sponsorship_redeemer() is sponsor_services.sponsorship_redeem
