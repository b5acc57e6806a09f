"""Names the offline provider resolves, read through the domain services as
the signed-in user: it only ever "knows" courses and labs that user may see.
Memoised per provider step (one chat turn reads each list at most once)."""

from __future__ import annotations

from dataclasses import dataclass

from apps.catalog import services as catalog_services
from apps.labs import services as labs_services

# A fuzzy match scans at most this many visible courses (title order). The
# catalogue's own search (``q``) is asked first, so big catalogues still
# resolve exact words; only typo repair is limited to the scanned titles.
MAX_COURSES_SCANNED = 500
MAX_LABS_SCANNED = 300
PAGE = 100


@dataclass(frozen=True)
class CourseName:
    id: str
    title: str
    slug: str
    level: str
    is_free: bool


@dataclass(frozen=True)
class LabName:
    id: str
    name: str
    slug: str


def _course_name(course) -> CourseName:
    return CourseName(
        id=str(course.id), title=course.title, slug=course.slug, level=course.level, is_free=course.is_free
    )


class ServiceSources:
    def __init__(self, actor):
        self.actor = actor
        self._courses: list[CourseName] | None = None
        # False when the catalogue is larger than the scan.
        self.courses_complete = True
        self._labs: list[LabName] | None = None

    def courses(self) -> list[CourseName]:
        if self._courses is None:
            found: list[CourseName] = []
            cursor = None
            while len(found) < MAX_COURSES_SCANNED:
                page = catalog_services.course_search(actor=self.actor, ordering="title", cursor=cursor, limit=PAGE)
                found += [_course_name(course) for course in page.items]
                cursor = page.next_cursor
                if not cursor:
                    break
            self.courses_complete = cursor is None
            self._courses = found
        return self._courses

    def courses_matching(self, text: str) -> list[CourseName]:
        page = catalog_services.course_search(actor=self.actor, q=text[:200], limit=20)
        return [_course_name(course) for course in page.items]

    def labs(self) -> list[LabName]:
        if self._labs is None:
            found: list[LabName] = []
            cursor = None
            while len(found) < MAX_LABS_SCANNED:
                page = labs_services.lab_list(actor=self.actor, cursor=cursor, limit=PAGE)
                found += [LabName(id=str(lab.id), name=lab.name, slug=lab.slug) for lab in page.items]
                cursor = page.next_cursor
                if not cursor:
                    break
            self._labs = found
        return self._labs
