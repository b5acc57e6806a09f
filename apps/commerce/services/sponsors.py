"""Sponsor use cases: applications, staff review, sponsorship seats and codes.

Who may do what:
- anyone reads approved sponsors; a signed-in user also sees the sponsors they
  belong to, whatever their status;
- any signed-in user applies (and becomes the new sponsor's owner);
- members of an approved sponsor request sponsorships and see their usage;
- staff whose role reviews them (``commerce.review_sponsor``,
  ``commerce.review_sponsorship``) approve or reject sponsors and
  sponsorships (one transaction each, audited, email queued on commit).

A sponsor or sponsorship the caller cannot see answers 404; a forbidden action
on one they can see answers 403.

Seats: ``seats_used`` grows only through ``repositories.sponsorship_consume_seat``
(a conditional update holding ``seats_used <= seats_total``), and a user redeems a
sponsorship at most once (unique constraint), however many requests race.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from uuid import UUID

from django.db import IntegrityError
from django.utils import timezone

from apps.catalog import repositories as catalog_repositories
from apps.catalog.models import Course
from apps.commerce import repositories, tasks
from apps.commerce.errors import CommerceErrorCode
from apps.commerce.models import Sponsor, SponsorMember, Sponsorship, SponsorshipRedemption
from apps.identity.services import is_signed_in, require_user
from deltalabs.audit import audit_record
from deltalabs.db import atomic, on_commit
from deltalabs.errors import Conflict, ErrorCode, NotFound, PermissionDenied, ValidationFailed
from deltalabs.pagination import Page, paginate
from deltalabs.permissions import is_active_staff, require_staff_permission, staff_can

SEATS_MIN = 1
SEATS_MAX = 1000
# Unambiguous when read aloud or typed from paper: no I/L/1, O/0, U.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 12
_CODE_ATTEMPTS = 5


def _role(actor, sponsor_id: UUID) -> str | None:
    if not is_signed_in(actor):
        return None
    return repositories.sponsor_member_role(sponsor_id=sponsor_id, user_id=actor.pk)


def _visible_sponsor(actor, sponsor_id: UUID) -> tuple[Sponsor, str | None]:
    """The sponsor and the caller's role in it, or 404 if the caller may not see it."""
    sponsor = repositories.sponsor_get(sponsor_id)
    if sponsor is None:
        raise NotFound.of("Sponsor")
    role = _role(actor, sponsor.pk)
    if sponsor.status != Sponsor.Status.APPROVED and role is None:
        if not is_active_staff(actor):
            raise NotFound.of("Sponsor")
        require_staff_permission(actor, "commerce.view_sponsor", "Your staff role does not show sponsors.")
    sponsor.my_role = role
    return sponsor, role


# --- Sponsors ---------------------------------------------------------------------


def sponsor_list(*, actor, cursor: str | None = None, limit: int = 20) -> Page:
    """Approved sponsors by name, plus the caller's own (any status). No side effects."""
    member_of = repositories.sponsor_ids_of_member(actor.pk) if is_signed_in(actor) else []
    page = paginate(
        repositories.sponsors_visible(member_sponsor_ids=member_of),
        ordering=["name"],
        cursor=cursor,
        limit=limit,
    )
    roles = (
        repositories.sponsor_roles_of_user(user_id=actor.pk, sponsor_ids=[s.pk for s in page.items])
        if member_of
        else {}
    )
    for sponsor in page.items:
        sponsor.my_role = roles.get(sponsor.pk)
    return page


def sponsor_get(*, actor, sponsor_id: UUID) -> Sponsor:
    """One visible sponsor (404 otherwise), with ``my_role`` set."""
    sponsor, _ = _visible_sponsor(actor, sponsor_id)
    return sponsor


def sponsor_apply(*, actor, name: str, contact_email: str, website: str = "", message: str = "") -> Sponsor:
    """Apply to become a sponsor: a pending sponsor whose owner is the caller."""
    require_user(actor)
    with atomic():
        sponsor = repositories.sponsor_create(
            name=name.strip(),
            contact_email=contact_email.strip().lower(),
            website=website,
            message=message,
            created_by=actor,
        )
        repositories.sponsor_member_create(sponsor_id=sponsor.pk, user_id=actor.pk, role=SponsorMember.Role.OWNER)
    sponsor.my_role = SponsorMember.Role.OWNER
    return sponsor


def _sponsor_review(*, actor, sponsor_id: UUID, status: str) -> Sponsor:
    require_user(actor)
    sponsor, _ = _visible_sponsor(actor, sponsor_id)
    require_staff_permission(actor, "commerce.review_sponsor", "Your staff role does not review sponsors.")
    with atomic():
        if not repositories.sponsor_decide(
            sponsor_id=sponsor_id, status=status, reviewer_id=actor.pk, now=timezone.now()
        ):
            raise Conflict(CommerceErrorCode.ALREADY_REVIEWED, "This application has already been reviewed.")
        audit_record(
            actor=actor,
            action="approve" if status == Sponsor.Status.APPROVED else "reject",
            target=sponsor,
            changes={"status": [sponsor.status, status]},
        )
        on_commit(lambda: tasks.send_sponsor_decision.delay(sponsor_id=str(sponsor_id)))
    sponsor, _ = _visible_sponsor(actor, sponsor_id)
    return sponsor


def sponsor_approve(*, actor, sponsor_id: UUID) -> Sponsor:
    """Staff: approve a pending sponsor. Queues an email to its contact on commit.
    409 ``already_reviewed`` if it is not pending."""
    return _sponsor_review(actor=actor, sponsor_id=sponsor_id, status=Sponsor.Status.APPROVED)


def sponsor_reject(*, actor, sponsor_id: UUID) -> Sponsor:
    """Staff: reject a pending sponsor. Queues an email to its contact on commit.
    409 ``already_reviewed`` if it is not pending."""
    return _sponsor_review(actor=actor, sponsor_id=sponsor_id, status=Sponsor.Status.REJECTED)


# --- Sponsorships ------------------------------------------------------------------


def _member_of_visible_sponsor(actor, sponsor_id: UUID, *, staff_perm: str) -> Sponsor:
    """The sponsor, for its members, and for staff whose role has ``staff_perm``; 403 otherwise."""
    require_user(actor)
    sponsor, role = _visible_sponsor(actor, sponsor_id)
    if role is None and not staff_can(actor, staff_perm):
        raise PermissionDenied("Only this sponsor's members may do this.")
    return sponsor


def sponsorship_request(*, actor, sponsor_id: UUID, course_id: UUID, seats: int) -> Sponsorship:
    """A member of an approved sponsor asks to pay for ``seats`` seats on a paid
    course; staff approve it later. Errors: 404 unknown sponsor or course, 403
    not a member, 409 ``sponsor_not_approved``, 400 ``course_is_free``, 400 seats
    out of 1..1000."""
    sponsor = _member_of_visible_sponsor(actor, sponsor_id, staff_perm="commerce.add_sponsorship")
    if sponsor.status != Sponsor.Status.APPROVED:
        raise Conflict(
            CommerceErrorCode.SPONSOR_NOT_APPROVED, "The sponsor must be approved before it requests sponsorships."
        )
    if not SEATS_MIN <= seats <= SEATS_MAX:
        raise ValidationFailed("Seats out of range.", {"seats": [f"Between {SEATS_MIN} and {SEATS_MAX}."]})
    course = catalog_repositories.course_get(course_id)
    if course is None or course.status != Course.Status.PUBLISHED:
        raise NotFound.of("Course")
    if course.is_free:
        raise ValidationFailed("Free courses need no sponsorship.", code=CommerceErrorCode.COURSE_IS_FREE)
    with atomic():
        sponsorship = repositories.sponsorship_create(
            sponsor=sponsor, course=course, seats_total=seats, requested_by=actor
        )
        if sponsor.my_role is None:  # staff asking on the sponsor's behalf
            audit_record(
                actor=actor,
                action="add",
                target=sponsorship,
                changes={"seats_total": [None, seats], "course": [None, course.title]},
                target_repr=_sponsorship_repr(sponsorship),
            )
    sponsorship.redemption_count = 0
    return sponsorship


def sponsorship_list(*, actor, sponsor_id: UUID, cursor: str | None = None, limit: int = 20) -> Page:
    """A sponsor's sponsorships, newest first, with usage; members and staff only."""
    _member_of_visible_sponsor(actor, sponsor_id, staff_perm="commerce.view_sponsorship")
    page = paginate(
        repositories.sponsorships_of_sponsor(sponsor_id), ordering=["-created_at"], cursor=cursor, limit=limit
    )
    counts = repositories.sponsorship_redemption_counts([s.pk for s in page.items])
    for sponsorship in page.items:
        sponsorship.redemption_count = counts.get(sponsorship.pk, 0)
    return page


def _reviewable_sponsorship(actor, sponsorship_id: UUID) -> Sponsorship:
    require_user(actor)
    sponsorship = repositories.sponsorship_get(sponsorship_id)
    visible = sponsorship is not None and (is_active_staff(actor) or _role(actor, sponsorship.sponsor_id) is not None)
    if not visible:
        raise NotFound.of("Sponsorship")
    require_staff_permission(actor, "commerce.review_sponsorship", "Your staff role does not review sponsorships.")
    return sponsorship


def _sponsorship_repr(sponsorship: Sponsorship) -> str:
    return f"{sponsorship.sponsor.name}: {sponsorship.seats_total} seats on {sponsorship.course.title}"


def new_sponsorship_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def sponsorship_approve(*, actor, sponsorship_id: UUID) -> Sponsorship:
    """Staff: approve a pending sponsorship and give it a fresh redeemable code.
    Queues an email with the code to the member who asked, on commit.
    409 ``already_reviewed`` / ``sponsor_not_approved``."""
    sponsorship = _reviewable_sponsorship(actor, sponsorship_id)
    if sponsorship.sponsor.status != Sponsor.Status.APPROVED:
        raise Conflict(CommerceErrorCode.SPONSOR_NOT_APPROVED, "The sponsor is not approved.")
    for attempt in range(1, _CODE_ATTEMPTS + 1):
        try:
            _sponsorship_decide(actor, sponsorship, Sponsorship.Status.APPROVED, new_sponsorship_code())
            break
        except IntegrityError:
            # The code collided with an existing one: the unique index refused it
            # and aborted that transaction; draw another in a new one.
            if attempt == _CODE_ATTEMPTS:
                raise
    return repositories.sponsorship_get(sponsorship_id)


def sponsorship_reject(*, actor, sponsorship_id: UUID) -> Sponsorship:
    """Staff: reject a pending sponsorship. Queues an email on commit."""
    sponsorship = _reviewable_sponsorship(actor, sponsorship_id)
    _sponsorship_decide(actor, sponsorship, Sponsorship.Status.REJECTED, None)
    return repositories.sponsorship_get(sponsorship_id)


def _sponsorship_decide(actor, sponsorship: Sponsorship, status: str, code: str | None) -> None:
    sponsorship_id = sponsorship.pk
    with atomic():
        decided = repositories.sponsorship_decide(
            sponsorship_id=sponsorship_id, status=status, code=code, reviewer_id=actor.pk, now=timezone.now()
        )
        if not decided:
            raise Conflict(CommerceErrorCode.ALREADY_REVIEWED, "This sponsorship has already been reviewed.")
        audit_record(
            actor=actor,
            action="approve" if status == Sponsorship.Status.APPROVED else "reject",
            target=sponsorship,
            changes={"status": [sponsorship.status, status], "code": [sponsorship.code, code]},
            target_repr=_sponsorship_repr(sponsorship),
        )
        on_commit(lambda: tasks.send_sponsorship_decision.delay(sponsorship_id=str(sponsorship_id)))


# --- Redemption ---------------------------------------------------------------------


def normalize_code(code: str) -> str:
    return code.strip().upper()


def sponsorship_for_code(*, actor, code: str, course_ids: list[UUID]) -> Sponsorship:
    """The approved sponsorship behind ``code`` if it applies to one of
    ``course_ids`` and the caller has not redeemed it yet. Read-only: the seat
    is taken by ``sponsorship_use`` in the caller's transaction.

    400 ``invalid_sponsorship_code``; 409 ``sponsorship_already_redeemed``,
    ``sponsorship_exhausted`` (advisory here, enforced by ``sponsorship_use``).
    """
    require_user(actor)
    normalized = normalize_code(code)
    sponsorship = repositories.sponsorship_by_code(normalized) if normalized else None
    if (
        sponsorship is None
        or sponsorship.status != Sponsorship.Status.APPROVED
        or sponsorship.course_id not in course_ids
    ):
        raise ValidationFailed(
            "This sponsorship code is not valid for this course.",
            {"sponsorship_code": ["Unknown code, or not for this course."]},
            code=ErrorCode.INVALID_SPONSORSHIP_CODE,
        )
    if repositories.redemption_exists(sponsorship_id=sponsorship.pk, user_id=actor.pk):
        raise Conflict(CommerceErrorCode.SPONSORSHIP_ALREADY_REDEEMED, "You have already used this sponsorship code.")
    if sponsorship.seats_used >= sponsorship.seats_total:
        raise Conflict(CommerceErrorCode.SPONSORSHIP_EXHAUSTED, "Every seat of this sponsorship has been used.")
    return sponsorship


def sponsorship_use(
    *, sponsorship: Sponsorship, user, now: datetime, enrollment=None, order=None
) -> SponsorshipRedemption:
    """Take one seat of ``sponsorship`` for ``user`` and record the redemption.
    Must run inside the caller's transaction: a later failure gives the seat back.
    409 ``sponsorship_exhausted`` when no seat is left."""
    if not repositories.sponsorship_consume_seat(sponsorship_id=sponsorship.pk, now=now):
        raise Conflict(CommerceErrorCode.SPONSORSHIP_EXHAUSTED, "Every seat of this sponsorship has been used.")
    # Unique (sponsorship, user): a racing second redemption by the same user
    # aborts the whole transaction, seat increment included.
    return repositories.redemption_create(
        sponsorship_id=sponsorship.pk, user_id=user.pk, enrollment=enrollment, order=order, created_at=now
    )


def sponsorship_unuse_for_order(*, order_id: UUID, now: datetime) -> int:
    """Undo the redemptions of an order that was never paid: each seat goes
    back to its sponsorship and the learner may use the code again. Must run
    inside the transaction that settles the order as failed; returns how many."""
    undone = 0
    for redemption in repositories.redemptions_of_order(order_id):
        if repositories.redemption_delete(redemption.pk):
            repositories.sponsorship_return_seat(sponsorship_id=redemption.sponsorship_id, now=now)
            undone += 1
    return undone


def sponsorship_redeem(*, actor, course_id: UUID, code: str) -> SponsorshipRedemption:
    """Redeem a sponsorship code for ``course_id`` (learning's enrollment hook:
    it runs inside the enrollment transaction, so a failed enrollment returns
    the seat). Errors as ``sponsorship_for_code`` and ``sponsorship_use``."""
    require_user(actor)
    sponsorship = sponsorship_for_code(actor=actor, code=code, course_ids=[course_id])
    return sponsorship_use(sponsorship=sponsorship, user=actor, now=timezone.now())
