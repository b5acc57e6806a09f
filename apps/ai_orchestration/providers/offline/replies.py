"""Plain-language replies built from tool results (offline provider).

Times are shown in the user's time zone; the stored results stay UTC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from apps.ai_orchestration.providers.base import HistoryItem

HELP = (
    "I can help with courses, labs and your cart. Try:\n"
    "- “find beginner python courses” or “free data science courses”\n"
    "- “tell me about Python Basics”, “enroll me in it”, “put me on the waitlist”\n"
    "- “my courses”, “how am I doing in Python Basics?”, “my grades in Python Basics”\n"
    "- “when is the robotics lab free on Friday?”, “book it at 10:00”, “cancel my booking”\n"
    "- “add it to my cart”, “what's in my cart?”"
)

LIST_LIMIT = 8

# Friendlier words for errors the learner can act on.
ERROR_HINTS = {
    "payment_required": "It is a paid course: say “add it to my cart” to buy it.",
    "course_full": "It is full: say “put me on the waitlist” to join the waitlist.",
    "slot_full": "That slot is fully booked: ask me when the lab is free to pick another.",
    "invalid_slot": "That is not a bookable slot: ask me when the lab is free to see the slots.",
    "booking_conflict": "You already have a booking at that time.",
    "booking_limit_reached": "You have the maximum number of upcoming bookings; cancel one first.",
    "required_course_missing": "This lab needs you to be enrolled in its course first.",
    "not_found": "I could not find that (or it is not yours).",
    "permission_denied": "You are not allowed to do that.",
    "validation_error": "Something in the request was not valid.",
}


class Formatter:
    def __init__(self, zone: ZoneInfo, lab_names: Callable[[], dict[str, str]]):
        self.zone = zone
        self._lab_names = lab_names

    # --- helpers -----------------------------------------------------------
    def local(self, value: str | None, pattern: str = "%a %d %b %H:%M") -> str:
        if not value:
            return "?"
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return moment.astimezone(self.zone).strftime(pattern)

    def lab_name(self, lab_id: str | None, fallback: str = "the lab") -> str:
        if not lab_id:
            return fallback
        return self._lab_names().get(lab_id, fallback)

    @staticmethod
    def price(row: dict) -> str:
        if row.get("is_free"):
            return "free"
        return f"{row.get('price')} {row.get('currency', '')}".strip()

    # --- composition -----------------------------------------------------------
    def compose(self, items: list[HistoryItem]) -> str:
        """One reply for the tool calls of this turn (the last one speaks)."""
        last = items[-1]
        if not last.ok:
            return self.error(last)
        handler = getattr(self, f"ok_{last.tool}", None)
        return handler(last) if handler else "Done."

    def error(self, item: HistoryItem) -> str:
        error = item.payload.get("error") or {}
        code = error.get("code", "error")
        message = error.get("message", "")
        hint = ERROR_HINTS.get(code, "")
        text = f"Sorry, that did not work: {message}".rstrip()
        return f"{text} {hint}".strip() if hint and hint not in text else text

    def ok_search_courses(self, item: HistoryItem) -> str:
        rows = item.result.get("results", [])
        if not rows:
            return "I found no courses matching that. Try other words, or “show me all courses”."
        lines = [f"I found {len(rows)}{'+' if item.result.get('next_cursor') else ''} course(s):"]
        for number, row in enumerate(rows[:LIST_LIMIT], start=1):
            lines.append(f"{number}. {row['title']} ({row['level']}, {self.price(row)})")
        lines.append("Say “tell me about the first one” or “enroll me in the second one”.")
        return "\n".join(lines)

    def ok_get_course(self, item: HistoryItem) -> str:
        course = item.result
        capacity = course.get("capacity")
        seats = "unlimited seats" if capacity is None else f"{max(0, capacity - course['seats_taken'])} seat(s) left"
        lessons = sum(len(section.get("lessons", [])) for section in course.get("sections", []))
        summary = f" {course['summary']}" if course.get("summary") else ""
        return (
            f"{course['title']}: {course['level']}, {self.price(course)}, {seats}, {lessons} lesson(s).{summary}"
            " Say “enroll me in it” to join."
        )

    def ok_enroll(self, item: HistoryItem) -> str:
        enrollment = item.result
        title = enrollment["course"]["title"]
        if enrollment["status"] == "waitlisted":
            return f"{title} is full; you are number {enrollment['waitlist_position']} on its waitlist."
        return f"You are enrolled in {title}."

    def ok_cancel_enrollment(self, item: HistoryItem) -> str:
        return f"Your enrollment in {item.result['course']['title']} is cancelled."

    def ok_my_enrollments(self, item: HistoryItem) -> str:
        rows = item.result.get("results", [])
        if not rows:
            return "You have no enrollments yet. Ask me to find a course."
        lines = ["Your enrollments:"]
        for number, row in enumerate(rows[:LIST_LIMIT], start=1):
            lines.append(f"{number}. {row['course']['title']} ({row['status']})")
        return "\n".join(lines)

    def ok_my_progress(self, item: HistoryItem) -> str:
        report = item.result
        return (
            f"In {report['course']['title']} you have completed {report['completed_lessons']} of "
            f"{report['total_lessons']} lessons ({report['percent']}%)."
        )

    def ok_my_grades(self, item: HistoryItem) -> str:
        grades = item.result
        title = (grades.get("course") or {}).get("title", "this course")
        rows = grades.get("assessments", [])
        grade = grades.get("course_grade")
        lines = [f"Your course grade in {title}: {grade}%." if grade is not None else f"No grade yet in {title}."]
        for row in rows[:LIST_LIMIT]:
            score = row.get("score")
            shown = f"{score}/{row.get('max_score')}" if score is not None else row.get("status", "").replace("_", " ")
            lines.append(f"- {row.get('title')}: {shown}")
        return "\n".join(lines)

    def ok_list_labs(self, item: HistoryItem) -> str:
        rows = item.result.get("results", [])
        if not rows:
            return "There are no bookable labs right now."
        lines = ["Labs you can book:"]
        lines += [f"{number}. {row['name']} ({row['kind']})" for number, row in enumerate(rows[:LIST_LIMIT], start=1)]
        return "\n".join(lines)

    def ok_get_lab(self, item: HistoryItem) -> str:
        lab = item.result
        return f"{lab['name']} ({lab['kind']}, {lab['location'] or 'no location'}): {lab['slot_minutes']}-minute slots."

    def ok_lab_availability(self, item: HistoryItem) -> str:
        name = self.lab_name(item.arguments.get("lab_id"))
        free = [slot for slot in item.result.get("slots", []) if slot.get("available")]
        if not free:
            return f"{name} has no free slots then. Try another day."
        lines = [f"{name} has free slots:"]
        for number, slot in enumerate(free[:LIST_LIMIT], start=1):
            lines.append(f"{number}. {self.local(slot['start'])} ({slot['available']} seat(s))")
        if len(free) > LIST_LIMIT:
            lines.append(f"...and {len(free) - LIST_LIMIT} more.")
        lines.append("Say “book the first one” or “book it at 10:00”.")
        return "\n".join(lines)

    def ok_book_lab(self, item: HistoryItem) -> str:
        booking = item.result
        return f"Booked {booking['lab']['name']} on {self.local(booking['start'])}."

    def ok_cancel_booking(self, item: HistoryItem) -> str:
        booking = item.result
        return f"Cancelled your booking of {booking['lab']['name']} on {self.local(booking['start'])}."

    def ok_my_bookings(self, item: HistoryItem) -> str:
        rows = item.result.get("results", [])
        if not rows:
            return "You have no upcoming lab bookings."
        lines = ["Your bookings:"]
        for number, row in enumerate(rows[:LIST_LIMIT], start=1):
            lines.append(f"{number}. {row['lab']['name']}, {self.local(row['start'])} ({row['status']})")
        return "\n".join(lines)

    def cart(self, cart: dict, prefix: str) -> str:
        items = cart.get("items", [])
        if not items:
            return f"{prefix}Your cart is empty."
        lines = [f"{prefix}Your cart:"]
        for row in items:
            course = row.get("course") or {}
            lines.append(f"- {course.get('title', '?')}: {row.get('price')} {row.get('currency', '')}".rstrip())
        lines.append(f"Subtotal: {cart.get('subtotal')} {cart.get('currency', '')}".rstrip())
        return "\n".join(lines)

    def ok_view_cart(self, item: HistoryItem) -> str:
        return self.cart(item.result, "")

    def ok_add_to_cart(self, item: HistoryItem) -> str:
        return self.cart(item.result, "Added. ")

    def ok_remove_from_cart(self, item: HistoryItem) -> str:
        return self.cart(item.result, "Removed. ")
