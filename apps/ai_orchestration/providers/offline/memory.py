"""What earlier turns of the conversation established, read from the stored
tool results: the course or lab last talked about, the last list shown (for
"the first one"), the last day asked about (for "book it at 10:00")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from apps.ai_orchestration.providers.base import HistoryItem

COURSE_TOOLS = ("get_course", "enroll", "my_progress", "my_grades", "add_to_cart", "remove_from_cart")
LAB_TOOLS = ("get_lab", "lab_availability", "book_lab")


def _course(value) -> dict | None:
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return {"id": value["id"], "title": value.get("title") or ""}
    return None


def _results(item: HistoryItem) -> list[dict]:
    result = item.result
    if isinstance(result, dict) and isinstance(result.get("results"), list):
        return [row for row in result["results"] if isinstance(row, dict)]
    return []


def _day(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


@dataclass
class Memory:
    course: dict | None = None
    courses: list[dict] = field(default_factory=list)
    enrollments: list[dict] = field(default_factory=list)
    lab: dict | None = None
    labs: list[dict] = field(default_factory=list)
    day: date | None = None
    slots: list[dict] = field(default_factory=list)
    booking: dict | None = None
    bookings: list[dict] = field(default_factory=list)
    # What "it" most recently meant: course, enrollment, lab or booking.
    last_kind: str | None = None

    @classmethod
    def from_history(cls, items: list[HistoryItem]) -> Memory:
        memory = cls()
        for item in items:
            if item.role == "tool":
                memory.absorb(item)
        return memory

    def absorb(self, item: HistoryItem) -> None:
        tool, arguments, result = item.tool, item.arguments, item.result
        if tool == "search_courses" and item.ok:
            self.courses = [course for course in map(_course, _results(item)) if course]
            self.course = self.courses[0] if len(self.courses) == 1 else None
            self.last_kind = "course"
        elif tool == "my_enrollments" and item.ok:
            self.enrollments = _results(item)
            self.courses = [course for course in (_course(row.get("course")) for row in self.enrollments) if course]
            self.course = self.courses[0] if len(self.courses) == 1 else None
            self.last_kind = "enrollment"
        elif tool in COURSE_TOOLS:
            course = None
            if item.ok and isinstance(result, dict):
                course = _course(result.get("course")) or (_course(result) if tool == "get_course" else None)
            if course is None and isinstance(arguments.get("course_id"), str):
                course = {"id": arguments["course_id"], "title": ""}
            if course is not None:
                self.course = course
                self.last_kind = "enrollment" if tool == "enroll" and item.ok else "course"
        elif tool == "view_cart" and item.ok and isinstance(result, dict):
            self.courses = [
                course for course in (_course(row.get("course")) for row in result.get("items") or []) if course
            ]
            self.course = self.courses[0] if len(self.courses) == 1 else None
            self.last_kind = "course"
        elif tool == "list_labs" and item.ok:
            self.labs = [{"id": row["id"], "name": row.get("name", "")} for row in _results(item) if "id" in row]
            self.lab = self.labs[0] if len(self.labs) == 1 else self.lab
            self.last_kind = "lab"
        elif tool in LAB_TOOLS:
            if isinstance(arguments.get("lab_id"), str):
                self.lab = {"id": arguments["lab_id"], "name": ""}
                self.last_kind = "lab"
            if tool == "lab_availability":
                first, last = _day(arguments.get("date_from")), _day(arguments.get("date_to"))
                self.day = first if first is not None and first == last else None
                if item.ok and isinstance(result, dict):
                    self.slots = [
                        slot for slot in result.get("slots") or [] if isinstance(slot, dict) and slot.get("available")
                    ]
            if tool == "book_lab" and item.ok and isinstance(result, dict):
                self.booking = result
                self.last_kind = "booking"
        elif tool == "my_bookings" and item.ok:
            self.bookings = _results(item)
            self.booking = self.bookings[0] if len(self.bookings) == 1 else None
            self.last_kind = "booking"
        elif tool == "cancel_booking" and item.ok:
            self.booking = None
