"""Staff roles (docs/api.md, Authentication and roles): what each kind of staff member may do.

A role is a Django group holding Django permissions. The groups are created
and kept in line with this table by ``roles_sync`` (``manage.py sync_roles``,
also run by ``manage.py seed`` and the release step), so every deployment has
the same roles and changing a role is a reviewed code change. Superusers are
not a role: ``is_superuser`` passes every permission check.

The admin shows a staff member the models their roles may view, the actions
their roles may run; the services check the same permission names
(``deltalabs.permissions.require_staff_permission``), so the REST API and the
assistant refuse what the admin hides.
"""

from __future__ import annotations

from dataclasses import dataclass

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
EVERYTHING = (VIEW, ADD, CHANGE, DELETE)


def perms(app_label: str, *models: str, actions: tuple[str, ...] = EVERYTHING) -> list[str]:
    """``perms("catalog", "course", actions=("view",))`` -> ``["catalog.view_course"]``."""
    return [f"{app_label}.{action}_{model}" for model in models for action in actions]


@dataclass(frozen=True)
class Role:
    key: str
    name: str  # the group's name, shown in the admin
    summary: str
    permissions: tuple[str, ...]


# Looking people and courses up is part of every job that links to them
# (autocomplete and raw-id pickers need the view permission of their model).
_LOOK_UP_PEOPLE = ("identity.view_user",)
_LOOK_UP_COURSES = ("catalog.view_course",)

CATALOGUE_EDITOR = Role(
    key="catalogue_editor",
    name="Catalogue editor",
    summary="Courses with their instructors, sections, lessons and resources; categories; publishes and "
    "archives courses; authors assessments.",
    permissions=(
        *perms("catalog", "category", "course", "courseinstructor", "section", "lesson", "resource"),
        "catalog.publish_course",
        *perms("assessment", "assessment", "assessmentitem"),
        *_LOOK_UP_PEOPLE,
    ),
)

LEARNER_SUPPORT = Role(
    key="learner_support",
    name="Learner support",
    summary="Enrollments and waitlists (enrolls learners, cancels enrollments, marks progress), lab bookings "
    "(cancels them), Q&A moderation; reads orders, carts and assistant conversations to help learners.",
    permissions=(
        *perms("learning", "enrollment", actions=(VIEW, ADD)),
        "learning.cancel_enrollment",
        *perms("learning", "lessonprogress", actions=(VIEW, CHANGE)),
        *perms("labs", "lab", "booking", actions=(VIEW,)),
        "labs.cancel_booking",
        *perms("engagement", "question", "answer", actions=(VIEW, CHANGE, DELETE)),
        *perms("commerce", "order", "orderitem", "payment", "cart", "cartitem", actions=(VIEW,)),
        *perms("ai_orchestration", "conversation", "message", "toolcall", actions=(VIEW,)),
        *_LOOK_UP_PEOPLE,
        *_LOOK_UP_COURSES,
    ),
)

FINANCE = Role(
    key="finance",
    name="Finance",
    summary="Orders (refunds them), payments and carts; sponsors and their members; sponsorships (approves and "
    "rejects sponsors and sponsorships); redemptions.",
    permissions=(
        *perms("commerce", "order", "orderitem", "payment", "cart", "cartitem", actions=(VIEW,)),
        "commerce.refund_order",
        *perms("commerce", "sponsor", "sponsorship", actions=(VIEW, ADD, CHANGE)),
        "commerce.review_sponsor",
        "commerce.review_sponsorship",
        *perms("commerce", "sponsormember"),
        *perms("commerce", "sponsorshipredemption", actions=(VIEW,)),
        *_LOOK_UP_PEOPLE,
        *_LOOK_UP_COURSES,
    ),
)

LAB_MANAGER = Role(
    key="lab_manager",
    name="Lab manager",
    summary="Labs and their opening hours, closures (closing a lab cancels its bookings), the day view and "
    "bookings (cancels them).",
    permissions=(
        *perms("labs", "lab", actions=(VIEW, ADD, CHANGE)),
        *perms("labs", "labopeninghours"),
        *perms("labs", "labclosure", actions=(VIEW, ADD, DELETE)),
        *perms("labs", "booking", actions=(VIEW,)),
        "labs.cancel_booking",
        *_LOOK_UP_PEOPLE,
        *_LOOK_UP_COURSES,
    ),
)

GRADER = Role(
    key="grader",
    name="Grader",
    summary="The grading queue and submissions: grades, re-grades and resets them; reads assessments.",
    permissions=(
        *perms("assessment", "assessment", "assessmentitem", actions=(VIEW,)),
        *perms("assessment", "submission", "submissiontograde", actions=(VIEW,)),
        "assessment.grade_submission",
    ),
)

ROLES: tuple[Role, ...] = (CATALOGUE_EDITOR, LEARNER_SUPPORT, FINANCE, LAB_MANAGER, GRADER)
ROLES_BY_KEY = {role.key: role for role in ROLES}
