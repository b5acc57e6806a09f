"""Demo users: a superuser, one staff member per staff role, instructors and
learners, by size. The staff roles (groups) are synced first.

Emails are deterministic (``learner00042@learners.deltalabs.example``), so a
re-run finds them and creates nothing. Bulk users share one password hash:
hashing thousands of passwords would dominate seeding time.
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from apps.identity import roles, services
from apps.identity.models import User
from deltalabs.seeding import DEMO_DOMAIN, DEMO_PASSWORD, SeedContext

ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
# One demo account per staff role: what each kind of staff member sees.
ROLE_STAFF = {
    roles.CATALOGUE_EDITOR.key: ("editor", "Cato Editor"),
    roles.LEARNER_SUPPORT.key: ("support", "Sam Support"),
    roles.FINANCE.key: ("finance", "Fin Ledger"),
    roles.LAB_MANAGER.key: ("labs", "Lab Manager"),
    roles.GRADER.key: ("grader", "Greta Grader"),
}


def role_staff_email(role_key: str) -> str:
    return f"{ROLE_STAFF[role_key][0]}@{DEMO_DOMAIN}"


INSTRUCTOR_DOMAIN = f"instructors.{DEMO_DOMAIN}"
LEARNER_DOMAIN = f"learners.{DEMO_DOMAIN}"


def instructor_email(number: int) -> str:
    return f"instructor{number:03d}@{INSTRUCTOR_DOMAIN}"


def learner_email(number: int) -> str:
    return f"learner{number:05d}@{LEARNER_DOMAIN}"


def seed(ctx: SeedContext) -> None:
    password_hash = make_password(DEMO_PASSWORD)
    services.roles_sync()
    wanted: list[User] = [
        User(email=ADMIN_EMAIL, display_name="Ada Admin", is_staff=True, is_superuser=True, email_verified=True)
    ]
    wanted += [
        User(email=role_staff_email(key), display_name=name, is_staff=True, email_verified=True)
        for key, (_, name) in ROLE_STAFF.items()
    ]
    wanted += [
        User(
            email=instructor_email(n),
            display_name=f"{ctx.rng.choice(FIRST)} {ctx.rng.choice(LAST)}",
            email_verified=True,
            timezone=ctx.rng.choice(TIMEZONES),
        )
        for n in range(1, ctx.scale.instructors + 1)
    ]
    wanted += [
        User(
            email=learner_email(n),
            display_name=f"{ctx.rng.choice(FIRST)} {ctx.rng.choice(LAST)}",
            timezone=ctx.rng.choice(TIMEZONES),
        )
        for n in range(1, ctx.scale.learners + 1)
    ]
    existing = set(User.objects.filter(email__endswith=DEMO_DOMAIN).values_list("email", flat=True))
    missing = [user for user in wanted if user.email not in existing]
    for user in missing:
        user.password = password_hash
    ctx.bulk_create(User, missing, desc="users")
    role_staff = dict(
        User.objects.filter(email__in=[role_staff_email(key) for key in ROLE_STAFF]).values_list("email", "pk")
    )
    for key in ROLE_STAFF:
        services.staff_roles_grant(user_id=role_staff[role_staff_email(key)], role_keys=[key])
    ctx.add_login("superuser", ADMIN_EMAIL)
    for key in ROLE_STAFF:
        ctx.add_login(roles.ROLES_BY_KEY[key].name.lower(), role_staff_email(key))
    ctx.add_login("instructor", instructor_email(1))
    ctx.add_login("learner", learner_email(1))


FIRST = [
    "Amara",
    "Bruno",
    "Chen",
    "Dalia",
    "Emeka",
    "Freya",
    "Goran",
    "Hana",
    "Ines",
    "Jonas",
    "Kiri",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tariq",
    "Uma",
    "Viktor",
    "Wen",
    "Yara",
]
LAST = [
    "Okafor",
    "Silva",
    "Nakamura",
    "Haddad",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Patel",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Vargas",
    "Weber",
    "Xu",
    "Zhang",
]
TIMEZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Africa/Lagos", "America/Sao_Paulo"]
