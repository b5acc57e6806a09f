"""What earlier turns of the conversation established, read from the stored
tool results: the course or lab last talked about, the last list shown (for
"the second one"), the last day and booking (for "book it at 10:00", "same
time next week"), and what the user last asked for (so "what about
Thursday?" or "the first one" continue that request)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from apps.ai_orchestration.providers.base import HistoryItem

COURSE_TOOLS = ("get_course", "enroll", "my_progress", "my_grades", "add_to_cart", "remove_from_cart")
LAB_TOOLS = ("get_lab", "lab_availability", "book_lab")


def _course(value) -> dict | None:
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return {"id": value["id"], "title": value.get("title") or ""}
    return None


def _rows(result, key: str = "results") -> list[dict]:
    rows = result.get(key) if isinstance(result, dict) else None
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


def _day(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class Memory:
    course: dict | None = None
    courses: list[dict] = field(default_factory=list)
    lab: dict | None = None
    day: date | None = None
    slots: list[dict] = field(default_factory=list)
    booking: dict | None = None
    bookings: list[dict] = field(default_factory=list)
    enrollments: list[dict] = field(default_factory=list)
    # What "it" / "that" most recently meant: course, enrollment, lab, booking or cart.
    last_kind: str | None = None
    # The previous user message and the last tool it led to, for follow-ups.
    last_message: str = ""
    last_tool: str = ""
    # The first free slot offered after a booking failed ("book it" takes it).
    suggested: dict | None = None

    @classmethod
    def from_history(cls, items: list[HistoryItem]) -> Memory:
        memory = cls()
        failed_start = None
        for item in items:
            if item.role == "user":
                memory.last_message, memory.last_tool, failed_start = item.content, "", None
            elif item.role == "tool":
                memory.absorb(item)
                memory.last_tool = item.tool
                if item.tool == "book_lab" and not item.ok and isinstance(item.arguments.get("start"), str):
                    failed_start = item.arguments["start"]
                if item.tool == "lab_availability" and failed_start:
                    later = [slot for slot in memory.slots if instant(slot["start"]) > instant(failed_start)]
                    memory.suggested = (later or memory.slots or [None])[0]
        return memory

    def absorb(self, item: HistoryItem) -> None:
        tool, arguments, result = item.tool, item.arguments, item.result
        if tool in ("search_courses", "my_enrollments") and item.ok:
            rows = _rows(result)
            courses = [_course(row.get("course") if tool == "my_enrollments" else row) for row in rows]
            self.courses = [course for course in courses if course]
            self.course = self.courses[0] if len(self.courses) == 1 else None
            self.enrollments = rows if tool == "my_enrollments" else self.enrollments
            self.last_kind = "enrollment" if tool == "my_enrollments" else "course"
        elif tool in COURSE_TOOLS:
            course = _course(result.get("course")) if item.ok and isinstance(result, dict) else None
            if tool == "get_course" and item.ok:
                course = _course(result)
            if course is None and isinstance(arguments.get("course_id"), str):
                course = {"id": arguments["course_id"], "title": ""}
            if course is not None:
                self.course = course
                kinds = {"enroll": "enrollment", "add_to_cart": "cart"}
                self.last_kind = kinds.get(tool, "course") if item.ok else "course"
        elif tool == "view_cart" and item.ok:
            self.courses = [
                course for course in (_course(row.get("course")) for row in _rows(result, "items")) if course
            ]
            self.course = self.courses[0] if len(self.courses) == 1 else None
            self.last_kind = "cart"
        elif tool == "list_labs" and item.ok:
            labs = [{"id": row["id"], "name": row.get("name", "")} for row in _rows(result) if "id" in row]
            self.lab = labs[0] if len(labs) == 1 else self.lab
            self.last_kind = "lab"
        elif tool in LAB_TOOLS:
            if isinstance(arguments.get("lab_id"), str):
                self.lab = {"id": arguments["lab_id"], "name": ""}
                self.last_kind = "lab"
            if tool == "lab_availability":
                first, last = _day(arguments.get("date_from")), _day(arguments.get("date_to"))
                self.day = first if first is not None and first == last else None
                self.slots = [slot for slot in _rows(result, "slots") if slot.get("available")]
            if tool == "book_lab" and item.ok:
                self.booking, self.last_kind = result, "booking"
        elif tool == "my_bookings" and item.ok:
            self.bookings = _rows(result)
            self.booking = self.bookings[0] if len(self.bookings) == 1 else None
            self.last_kind = "booking"
        elif tool == "cancel_booking" and item.ok:
            self.booking = result
