"""The seed framework behind ``manage.py seed`` (README, Operations).

Each domain app contributes ``apps/<domain>/seeding.py`` with a
``seed(ctx: SeedContext) -> None`` function; the command runs them in
dependency order. Seeders are idempotent (they create only what is missing,
found by natural keys), use bulk inserts at scale and show progress bars.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

# Run order: later domains build on earlier ones.
SEEDER_MODULES = (
    "apps.identity.seeding",
    "apps.catalog.seeding",
    "apps.learning.seeding",
    "apps.engagement.seeding",
    "apps.assessment.seeding",
    "apps.commerce.seeding",
    "apps.labs.seeding",
    "apps.ai_orchestration.seeding",
)

DEMO_PASSWORD = "delta-demo-2026"
DEMO_DOMAIN = "deltalabs.example"


@dataclass(frozen=True)
class Scale:
    """How much of everything each size creates."""

    learners: int
    instructors: int
    courses: int
    enrollments_per_learner: int
    labs: int
    bookings: int
    orders: int
    questions_per_course: int


SCALES = {
    "small": Scale(
        learners=30,
        instructors=4,
        courses=12,
        enrollments_per_learner=3,
        labs=4,
        bookings=20,
        orders=10,
        questions_per_course=3,
    ),
    "medium": Scale(
        learners=2_000,
        instructors=20,
        courses=60,
        enrollments_per_learner=4,
        labs=8,
        bookings=1_000,
        orders=500,
        questions_per_course=5,
    ),
    "large": Scale(
        learners=25_000,
        instructors=100,
        courses=200,
        enrollments_per_learner=5,
        labs=12,
        bookings=10_000,
        orders=5_000,
        questions_per_course=5,
    ),
}


@dataclass
class SeedContext:
    size: str
    stdout: Any = None
    show_progress: bool = True
    rng: random.Random = field(default_factory=lambda: random.Random(2026))  # noqa: S311 - demo data
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    # Primary keys of the rows this run inserted, by model label (``created_ids``).
    created: dict[str, set] = field(default_factory=dict)

    @property
    def scale(self) -> Scale:
        return SCALES[self.size]

    def progress(self, iterable: Iterable, *, total: int | None = None, desc: str) -> Iterator:
        return iter(tqdm(iterable, total=total, desc=desc, unit="row", disable=not self.show_progress, leave=False))

    def bulk_create(self, model, objects: list, *, desc: str, batch_size: int = 2_000) -> int:
        """Insert ``objects`` in batches with a progress bar; returns how many."""
        created = 0
        with tqdm(total=len(objects), desc=desc, unit="row", disable=not self.show_progress, leave=False) as bar:
            for start in range(0, len(objects), batch_size):
                batch = objects[start : start + batch_size]
                model.objects.bulk_create(batch, batch_size=batch_size)
                created += len(batch)
                bar.update(len(batch))
        self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + created
        self.created.setdefault(model._meta.label, set()).update(obj.pk for obj in objects)
        return created

    def created_ids(self, model) -> set:
        """The primary keys of ``model`` rows this run inserted: later seeders attach
        demo content to those only, never to rows people have used since."""
        return self.created.get(model._meta.label, set())

    def add_login(self, role: str, email: str, password: str = DEMO_PASSWORD) -> None:
        self.logins.append((role, email, password))

    def log(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)
