"""What the user may name, read through the domain services as the signed-in
user (so the provider only ever "knows" what that user may see), and how a
message names it.

A name is matched by any run of its words, in any order ("machine learning",
"django web development", "go" for "Foundations of Go"), after the message's
typos were repaired towards these names' words (``language.repair``). The
longest run wins; a run shared by several names ("python") is ambiguous and
never guessed. Nothing in the message is thrown away first: a title word
that is also an everyday word still names its course.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from apps.ai_orchestration.providers.offline.language import STOPWORDS, tokens
from apps.catalog import services as catalog_services
from apps.labs import services as labs_services
from apps.learning import services as learning_services

# A fuzzy match scans at most this many visible courses (title order). Beyond
# that, the catalogue's own search is asked for the message's words, so big
# catalogues still resolve exact words; only typo repair is limited.
MAX_COURSES_SCANNED = 500
MAX_LABS_SCANNED = 300
PAGE = 100
# Words of a message looked up in a catalogue bigger than the scan.
SEARCHED_WORDS = 3
# Words that say what kind of thing a name is, not which one.
GENERIC = frozenset(["lab", "labs", "room", "studio", "course", "courses", "class", "virtual", "physical"])
# A run longer than this is never a name (and keeps the scan small).
MAX_RUN = 6


@dataclass(frozen=True)
class Entity:
    kind: str  # course | lab
    id: str
    name: str
    slug: str = ""
    level: str = ""
    is_free: bool = False

    def ref(self) -> dict:
        return {"id": self.id, "title": self.name} if self.kind == "course" else {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class Match:
    """How a message named something: one entity, or several equally well."""

    entities: tuple[Entity, ...]
    words: tuple[str, ...]  # the run of the message that named them

    @property
    def entity(self) -> Entity | None:
        return self.entities[0] if len(self.entities) == 1 else None


def _content(words) -> tuple[str, ...]:
    return tuple(word for word in words if word not in STOPWORDS)


@dataclass
class Index:
    """Every run of words of every name, to the entities it names."""

    entities: list[Entity]
    runs: dict[frozenset[str], set[Entity]] = field(default_factory=lambda: defaultdict(set))

    def __post_init__(self):
        for entity in self.entities:
            for text in (entity.name, entity.slug.replace("-", " ")):
                words = [word for word in _content(tokens(text)) if word not in GENERIC] or _content(tokens(text))
                for start in range(len(words)):
                    for end in range(start + 1, min(len(words), start + MAX_RUN) + 1):
                        self.runs[frozenset(words[start:end])].add(entity)

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(word for run in self.runs for word in run)

    def find(self, words: tuple[str, ...]) -> Match | None:
        """The longest run of ``words`` that names something (ties: the first)."""
        best: Match | None = None
        best_size = 0
        for start in range(len(words)):
            for end in range(start + 1, min(len(words), start + MAX_RUN) + 1):
                said = _content(words[start:end])
                named = self.runs.get(frozenset(said))
                if named and len(said) > best_size:
                    ordered = tuple(sorted(named, key=lambda entity: entity.name.lower()))
                    best, best_size = Match(entities=ordered, words=said), len(said)
        return best


class Sources:
    """The names a user may see, read once per provider step."""

    def __init__(self, actor):
        self.actor = actor

    @cached_property
    def courses(self) -> Index:
        found, cursor = [], None
        while len(found) < MAX_COURSES_SCANNED:
            page = catalog_services.course_search(actor=self.actor, ordering="title", cursor=cursor, limit=PAGE)
            found += [_course(course) for course in page.items]
            cursor = page.next_cursor
            if not cursor:
                break
        self.courses_complete = cursor is None
        return Index(found)

    def courses_with(self, words: list[str]) -> Index:
        """The scanned courses, plus (in a catalogue bigger than the scan)
        those the catalogue's own search finds for the longest of ``words``."""
        index = self.courses
        if self.courses_complete or not words:
            return index
        known = {entity.id for entity in index.entities}
        extra = {}
        for word in sorted(set(words), key=len, reverse=True)[:SEARCHED_WORDS]:
            page = catalog_services.course_search(actor=self.actor, q=word[:200], limit=20)
            extra |= {str(course.id): _course(course) for course in page.items if str(course.id) not in known}
        return Index(index.entities + list(extra.values())) if extra else index

    @cached_property
    def labs(self) -> Index:
        found, cursor = [], None
        while len(found) < MAX_LABS_SCANNED:
            page = labs_services.lab_list(actor=self.actor, cursor=cursor, limit=PAGE)
            found += [Entity(kind="lab", id=str(lab.id), name=lab.name, slug=lab.slug) for lab in page.items]
            cursor = page.next_cursor
            if not cursor:
                break
        return Index(found)

    def bookings(self) -> list[dict]:
        """The user's upcoming active bookings: ``{id, lab_id, start}``."""
        page = labs_services.booking_list(actor=self.actor, upcoming=True, status="active", limit=50)
        return [{"id": str(row.id), "lab_id": str(row.lab_id), "start": row.start} for row in page.items]

    def enrollments(self) -> list[dict]:
        """The user's active and waitlisted enrollments: ``{id, course_id}``."""
        rows = []
        for status in ("active", "waitlisted"):
            page = learning_services.enrollment_list(actor=self.actor, status=status, limit=50)
            rows += [{"id": str(row.id), "course_id": str(row.course_id)} for row in page.items]
        return rows


def _course(course) -> Entity:
    return Entity(
        kind="course",
        id=str(course.id),
        name=course.title,
        slug=course.slug,
        level=course.level,
        is_free=course.is_free,
    )
