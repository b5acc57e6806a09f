"""Plain-language replies built from tool results (offline provider).

An error reply is written once from the error's code and details; the
service's own message is used only for a code this module does not know,
and then alone. Times are shown in the user's time zone; results stay UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from apps.ai_orchestration.providers.base import HistoryItem
from apps.ai_orchestration.providers.offline.memory import instant

EXAMPLES = (
    "- “find beginner python courses”, “tell me about Python Basics”, “enroll me in it”\n"
    "- “my courses”, “how am I doing in Python Basics?”, “my grades in Python Basics”\n"
    "- “when is the robotics lab free on Friday?”, “book it at 10:00”, “cancel my booking”\n"
    "- “add it to my cart”, “what's in my cart?”, “checkout”, “my orders”"
)
HELP = "I can help with courses, enrollments, labs, your cart and orders. Try:\n" + EXAMPLES
OFF_TOPIC = (
    "I can only help with Delta Labs: courses, enrollments, progress and grades, labs, your cart and orders. "
    "I can't answer that. Try:\n" + EXAMPLES
)
THANKS = "You're welcome. Anything else about your courses, labs or cart?"
LIST_LIMIT = 8


# One reply per error code the learner can act on.
ERROR_REPLIES = {
    "payment_required": "That is a paid course: say “add it to my cart”, then “checkout”, to buy it.",
    "course_full": "That course is full: say “put me on the waitlist” to join its waitlist.",
    "already_enrolled": "You are already enrolled in that course.",
    "already_in_cart": "That course is already in your cart. Say “checkout” to buy it.",
    "course_is_free": "That course is free: say “enroll me in it” instead of buying it.",
    "enrollment_closed": "Enrollment for that course is not open right now.",
    "cart_full": "Your cart is full; check out or remove a course first.",
    "cart_empty": "Your cart is empty: add a course first (“add Advanced Python to my cart”).",
    "cart_changed": "Your cart changed since I showed it to you; say “checkout” to see it again.",
    "payment_declined": "The card was declined; nothing was charged and your cart is unchanged.",
    # Not "nothing was charged": when the provider cannot say, the order stays pending until it is settled.
    "payment_provider_error": (
        "The payment service did not answer, so the payment is not confirmed; you will never be charged twice. "
        "Check your orders in a few minutes, or say “checkout” to try again."
    ),
    "payment_method_unavailable": "I can't pay by chat here: there is no card I may use. Check out in the app instead.",
    "confirmation_expired": "That checkout was not confirmed in time; say “checkout” to start again.",
    "booking_conflict": "You already hold a booking at that time.",
    "booking_limit_reached": "You already have 5 upcoming bookings: cancel one to book another.",
    "booking_started": "That booking has already started, so it can't be cancelled.",
    "booking_not_active": "That booking is already cancelled.",
    "required_course_missing": "This lab is only for learners of its course: enroll in it first.",
    "not_found": "I could not find that (or it is not yours).",
    "permission_denied": "You are not allowed to do that.",
    "validation_error": "I could not read that request; try saying it differently.",
}


class Formatter:
    def __init__(self, zone: ZoneInfo, lab_name: Callable[[str], str]):
        self.zone = zone
        self.lab_name = lab_name

    def local(self, value: str | None, pattern: str = "%a %d %b %H:%M") -> str:
        try:
            return instant(value).astimezone(self.zone).strftime(pattern)
        except (TypeError, ValueError, AttributeError):
            return value or "?"

    @staticmethod
    def numbered(title: str, rows: list, line: Callable[[dict], str], empty: str, footer: str = "") -> str:
        """A numbered list (what "the second one" refers to), or ``empty``."""
        if not rows:
            return empty
        lines = [title] + [f"{number}. {line(row)}" for number, row in enumerate(rows[:LIST_LIMIT], start=1)]
        if len(rows) > LIST_LIMIT:
            lines.append(f"...and {len(rows) - LIST_LIMIT} more.")
        return "\n".join(lines + ([footer] if footer else []))

    @staticmethod
    def price(row: dict) -> str:
        return "free" if row.get("is_free") else f"{row.get('price')} {row.get('currency') or ''}".strip()

    def compose(self, items: list[HistoryItem]) -> str:
        """One reply for the tool calls of this turn (the last one speaks)."""
        last = items[-1]
        if len(items) > 1 and last.tool == "lab_availability" and items[-2].tool == "book_lab" and not items[-2].ok:
            return self.booking_alternatives(items[-2], last)
        if not last.ok:
            return self.error(last)
        handler = getattr(self, f"ok_{last.tool}", None)
        return handler(last) if handler else "Done."

    @staticmethod
    def error(item: HistoryItem) -> str:
        error = item.payload.get("error") or {}
        return ERROR_REPLIES.get(error.get("code", "")) or error.get("message") or "Sorry, that did not work."

    def booking_alternatives(self, failed: HistoryItem, availability: HistoryItem) -> str:
        """Why a slot could not be booked, and the next free one after it."""
        asked = instant(failed.arguments["start"])
        name = self.lab_name(failed.arguments.get("lab_id", ""))
        slots = availability.result.get("slots", []) if availability.ok else []
        day = asked.astimezone(self.zone).date()
        that_day = [slot for slot in slots if instant(slot["start"]).astimezone(self.zone).date() == day]
        code = (failed.payload.get("error") or {}).get("code")
        when = asked.astimezone(self.zone).strftime("%A %d %B")
        if code == "slot_full":
            reason = f"The {self.local(failed.arguments['start'], '%H:%M')} slot on {when} is fully booked."
        elif code == "invalid_slot" and not that_day:
            reason = f"{name} is closed on {when}."
        elif code == "invalid_slot":
            reason = f"No slot of {name} starts at {self.local(failed.arguments['start'], '%H:%M')} on {when}."
        else:
            return self.error(failed)
        later = [slot for slot in slots if slot.get("available") and instant(slot["start"]) > asked]
        if not later:
            return f"{reason} I found no free slot in the week after it; ask me about another week."
        return f"{reason} The next free slot is {self.local(later[0]['start'])}: say “book it” to take it."

    def ok_search_courses(self, item: HistoryItem) -> str:
        rows = item.result.get("results", [])
        return self.numbered(
            f"I found {len(rows)}{'+' if item.result.get('next_cursor') else ''} course(s):",
            rows,
            lambda row: f"{row['title']} ({row['level']}, {self.price(row)})",
            "I found no courses matching that. Try other words, or “show me all courses”.",
            "Say “tell me about the first one” or “enroll me in the second one”.",
        )

    def ok_get_course(self, item: HistoryItem) -> str:
        course = item.result
        capacity = course.get("capacity")
        seats = "unlimited seats" if capacity is None else f"{max(0, capacity - course['seats_taken'])} seat(s) left"
        lessons = sum(len(section.get("lessons", [])) for section in course.get("sections", []))
        summary = f" {course['summary']}" if course.get("summary") else ""
        action = "enroll me in it" if course.get("is_free") else "add it to my cart"
        return (
            f"{course['title']}: {course['level']}, {self.price(course)}, {seats}, {lessons} lesson(s).{summary}"
            f" Say “{action}” to join."
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
        return self.numbered(
            "Your enrollments:",
            item.result.get("results", []),
            lambda row: f"{row['course']['title']} ({row['status']})",
            "You have no enrollments like that. Ask me to find a course.",
        )

    def ok_my_progress(self, item: HistoryItem) -> str:
        report = item.result
        return (
            f"In {report['course']['title']} you have completed {report['completed_lessons']} of "
            f"{report['total_lessons']} lessons ({report['percent']}%)."
        )

    def ok_my_grades(self, item: HistoryItem) -> str:
        grades = item.result
        title = (grades.get("course") or {}).get("title", "this course")
        grade = grades.get("course_grade")
        lines = [f"Your course grade in {title}: {grade}%." if grade is not None else f"No grade yet in {title}."]
        for row in grades.get("assessments", [])[:LIST_LIMIT]:
            score = row.get("score")
            shown = f"{score}/{row.get('max_score')}" if score is not None else row.get("status", "").replace("_", " ")
            lines.append(f"- {row.get('title')}: {shown}")
        return "\n".join(lines)

    def ok_list_labs(self, item: HistoryItem) -> str:
        return self.numbered(
            "Labs you can book:",
            item.result.get("results", []),
            lambda row: f"{row['name']} ({row['kind']})",
            "There are no bookable labs right now.",
        )

    def ok_get_lab(self, item: HistoryItem) -> str:
        lab = item.result
        return f"{lab['name']} ({lab['kind']}, {lab['location'] or 'no location'}): {lab['slot_minutes']}-minute slots."

    def ok_lab_availability(self, item: HistoryItem) -> str:
        name = self.lab_name(item.arguments.get("lab_id", ""))
        return self.numbered(
            f"{name} has free slots:",
            [slot for slot in item.result.get("slots", []) if slot.get("available")],
            lambda slot: f"{self.local(slot['start'])} ({slot['available']} seat(s))",
            f"{name} has no free slots then. Try another day.",
            "Say “book the first one” or “book it at 10:00”.",
        )

    def ok_book_lab(self, item: HistoryItem) -> str:
        return f"Booked {item.result['lab']['name']} on {self.local(item.result['start'])}."

    def ok_cancel_booking(self, item: HistoryItem) -> str:
        return f"Cancelled your booking of {item.result['lab']['name']} on {self.local(item.result['start'])}."

    def ok_my_bookings(self, item: HistoryItem) -> str:
        return self.numbered(
            "Your bookings:",
            item.result.get("results", []),
            lambda row: f"{row['lab']['name']}, {self.local(row['start'])} ({row['status']})",
            "You have no upcoming lab bookings.",
        )

    @staticmethod
    def cart(cart: dict, prefix: str) -> str:
        items = cart.get("items", [])
        if not items:
            return f"{prefix}Your cart is empty."
        lines = [f"{prefix}Your cart:"]
        for row in items:
            course = row.get("course") or {}
            lines.append(f"- {course.get('title', '?')}: {row.get('price')} {row.get('currency') or ''}".rstrip())
        lines.append(f"Subtotal: {cart.get('subtotal')} {cart.get('currency') or ''}".rstrip())
        return "\n".join(lines)

    def ok_view_cart(self, item: HistoryItem) -> str:
        return self.cart(item.result, "")

    def ok_add_to_cart(self, item: HistoryItem) -> str:
        return self.cart(item.result, "Added. ") + "\nSay “checkout” to pay."

    def ok_remove_from_cart(self, item: HistoryItem) -> str:
        return self.cart(item.result, "Removed. ")

    def ok_checkout(self, item: HistoryItem) -> str:
        quote = item.result
        lines = ", ".join(f"{row['course']['title']} ({row['price']})" for row in quote.get("items", []))
        return (
            f"Your cart: {lines}; total {quote['total']} {quote['currency']}. "
            f"Reply “confirm” to pay with the {quote['payment_method']} (within {quote['expires_in_minutes']} "
            "minutes). Nothing is charged until you confirm."
        )

    def ok_confirm_checkout(self, item: HistoryItem) -> str:
        order = item.result
        titles = ", ".join(row["course"]["title"] for row in order.get("items", []))
        return f"Paid: order {order['number']}, {order['total']} {order['currency']}. You are enrolled in {titles}."

    def ok_my_orders(self, item: HistoryItem) -> str:
        return self.numbered(
            "Your orders:",
            item.result.get("results", []),
            lambda row: (
                f"{row['number']}, {self.local(row['created_at'], '%d %b %Y')}: {row['total']} "
                f"{row['currency']} ({row['status']})"
            ),
            "You have no orders yet.",
        )
