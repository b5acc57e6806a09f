"""The offline provider: no network, deterministic.

It reads a message in three moves: repair typos towards the words it knows
(intent words and the names the user may see), pick the intents whose cue
words are present (``language.INTENTS``, most specific first), and fill each
intent's arguments from the names the message contains (``entities``), the
days and times it gives, and what the conversation established (``memory``).
The first intent that can be carried out proposes ONE tool call; after the
tool ran, the result becomes the reply (``replies``), or one more call where
the request needs it (a booking that failed asks for the next free slot).

A message without any intent that names something, or says "the second
one" or "what about Thursday?", continues the previous request. A message
about nothing the assistant can do is answered honestly, without a tool.

It proposes calls like any provider: the loop validates and runs them with the
user's own rights, so nothing here can widen what the user may do. Paying is
never done here: ``checkout`` only prices the cart and asks for a "confirm"
that the orchestration service itself checks.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from apps.ai_orchestration.providers.base import HistoryItem, ProposedCall, ProviderRequest, ProviderStep
from apps.ai_orchestration.providers.offline import language
from apps.ai_orchestration.providers.offline.entities import Entity, Match, Sources
from apps.ai_orchestration.providers.offline.language import STOPWORDS, Utterance
from apps.ai_orchestration.providers.offline.memory import Memory, instant
from apps.ai_orchestration.providers.offline.replies import HELP, OFF_TOPIC, THANKS, Formatter

_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
PRONOUNS = frozenset(["it", "that", "this", "same", "there", "one", "them"])
# A follow-up without an intent of its own continues the previous request
# (the one that led to the tools that ran); choosing from the list it showed
# continues it as the natural next action.
LEADS_TO = {
    "search": {"search_courses"},
    "details": {"get_course", "get_lab"},
    "enroll": {"enroll", "search_courses"},
    "grades": {"my_grades", "search_courses"},
    "progress": {"my_progress", "search_courses"},
    "availability": {"lab_availability"},
    "book": {"book_lab", "lab_availability"},
    "cancel": {"my_bookings", "my_enrollments"},
    "list_labs": {"list_labs"},
    "add_to_cart": {"add_to_cart", "search_courses"},
    "remove_from_cart": {"remove_from_cart", "view_cart"},
    "view_cart": {"view_cart"},
}
CHOOSING = {"search": "details", "availability": "book", "list_labs": "availability"}
# What to ask when an intent was clear but what it is about was not.
# Intents answered by a fixed reply, by one call without arguments, or by one
# call about the course the message names.
FIXED_REPLIES = {
    # A confirmation that pays never reaches a provider: the chat service runs it.
    "confirm": "There is nothing waiting for your confirmation. Say “checkout” to pay for your cart.",
    "thanks": THANKS,
    "greeting": HELP,
}
PLAIN_CALLS = {name: name for name in ("checkout", "view_cart", "my_bookings", "list_labs")} | {"orders": "my_orders"}
COURSE_CALLS = {"remove_from_cart": "remove_from_cart", "add_to_cart": "add_to_cart", "grades": "my_grades"}
ASK_COURSE = "Which course do you mean? Tell me its title, or say “find python courses” first."
QUESTIONS = {
    "book": "Which lab would you like to book, and when? Say “which labs are there?” to see them.",
    "availability": "Which lab? Say “which labs are there?” to see them.",
} | dict.fromkeys(("enroll", "grades", "progress", "add_to_cart", "remove_from_cart"), ASK_COURSE)
# What a request says besides its intent: never part of a search query.
NOT_A_TOPIC = language.KEYWORDS | STOPWORDS | {"good", "best", "new", "online", "stuff", "anything", "something"}
BOOKING_FAILURES = ("invalid_slot", "slot_full")


class OfflineProvider:
    name = "offline"

    def __init__(self, sources_factory=Sources):
        self.sources_factory = sources_factory

    def next_step(self, request: ProviderRequest) -> ProviderStep:
        history = request.history
        starts = [index for index, item in enumerate(history) if item.role == "user"]
        if not starts:
            return ProviderStep(reply=HELP)
        turn = _Turn(request, history[starts[-1]].content, history[: starts[-1]], self.sources_factory)
        done = [item for item in history[starts[-1] + 1 :] if item.role == "tool"]
        return turn.follow_up(done) if done else turn.plan()


class _Turn:
    """Understanding one user message, with what the conversation knows."""

    def __init__(self, request: ProviderRequest, message: str, earlier: list[HistoryItem], sources_factory):
        self.offered = {tool.name for tool in request.tools}
        self.zone = ZoneInfo(getattr(request.actor, "timezone", "") or "UTC")
        self.today = request.now.astimezone(self.zone).date()
        self.memory = Memory.from_history(earlier)
        self.sources = sources_factory(request.actor)
        self.labs_offered = bool(self.offered & {"lab_availability", "book_lab", "list_labs", "get_lab"})
        self.vocabulary = self.sources.courses.vocabulary | (
            self.sources.labs.vocabulary if self.labs_offered else frozenset()
        )
        self.u = Utterance.parse(message, self.vocabulary)
        self.formatter = Formatter(self.zone, self._lab_name)
        self._calls = sum(len(item.calls) for item in request.history if item.role == "assistant")

    # --- output ---------------------------------------------------------------------
    def call(self, tool: str, **arguments) -> ProviderStep:
        if tool not in self.offered:
            return ProviderStep(reply=f"Sorry, I cannot do that here ({tool.replace('_', ' ')} is not available).")
        self._calls += 1
        arguments = {key: value for key, value in arguments.items() if value is not None}
        return ProviderStep(calls=(ProposedCall(call_id=f"call_{self._calls}", name=tool, arguments=arguments),))

    @staticmethod
    def say(text: str) -> ProviderStep:
        return ProviderStep(reply=text)

    def _lab_name(self, lab_id: str) -> str:
        return next((lab.name for lab in self.sources.labs.entities if lab.id == lab_id), "The lab")

    # --- the first step: what is asked? -----------------------------------------------
    def plan(self) -> ProviderStep:
        intents = self.u.intents()
        for intent in intents:
            step = self._answer(intent)
            if step is not None:
                return step
        step = self._continued(intents)
        if step is not None:
            return step
        return self.say(next((QUESTIONS[intent] for intent in intents if intent in QUESTIONS), OFF_TOPIC))

    def _continued(self, intents: list[str]) -> ProviderStep | None:
        """A follow-up ("the second one", "what about Thursday?", a bare
        name): the previous request again, with what this message adds."""
        previous = [
            intent
            for intent in Utterance.parse(self.memory.last_message, self.vocabulary).intents()
            if self.memory.last_tool in LEADS_TO.get(intent, ()) and intent not in intents
        ]
        choosing = self._ordinal() is not None
        if previous and (choosing or self._has_pronoun() or self._day() is not None):
            step = self._answer(CHOOSING.get(previous[0], previous[0]) if choosing else previous[0])
            if step is not None:
                return step
        course = self._course_match()
        if course and course.entity:
            return self.call("get_course", course_id=course.entity.id)
        if self._lab_match() is not None:
            return self._availability()
        return None

    # --- the second step ------------------------------------------------------------------
    def follow_up(self, done: list[HistoryItem]) -> ProviderStep:
        last = done[-1]
        failed = (last.payload.get("error") or {}).get("code")
        if last.tool == "book_lab" and failed in BOOKING_FAILURES:
            asked = instant(last.arguments["start"]).astimezone(self.zone).date()
            return self.call(
                "lab_availability",
                lab_id=last.arguments["lab_id"],
                date_from=asked.isoformat(),
                date_to=(asked + timedelta(days=6)).isoformat(),
            )
        reply = self.formatter.compose(done)
        if last.ok and last.tool in ("my_bookings", "my_enrollments") and "cancel" in self.u.intents():
            reply += "\nWhich one should I cancel? Say “the first one”, or name it."
        return self.say(reply)

    # --- what the message names -------------------------------------------------------------
    def _ordinal(self) -> int | None:
        return language.parse_ordinal(self.u)

    def _has_pronoun(self) -> bool:
        return any(word in PRONOUNS for word in self.u.words)

    def _day(self) -> date | None:
        return language.parse_day(self.u, self.today)

    def _uuid(self) -> str | None:
        found = _UUID.search(self.u.original.lower())
        return found.group(0) if found else None

    def _topic(self) -> list[str]:
        """The message's words that are not requests, days, times or filler."""
        text = re.sub(r"\b\d{1,2}([:.h]\d{2})?\s*([ap]\.?m\.?)?\b", " ", self.u.text)
        return [
            word
            for word in language.tokens(text)
            if word not in NOT_A_TOPIC
            and word not in language.ORDINALS
            and word not in language.WEEKDAYS
            and word not in language.MONTHS
        ]

    def _course_match(self) -> Match | None:
        match = self.sources.courses_with(self._topic()).find(self.u.words)
        if match is None or match.entity is not None:
            return match
        # Several courses share the words said: a level or a price may settle it.
        said = set(self.u.words)
        narrowed = tuple(
            course
            for course in match.entities
            if (course.level in said or not said & set(language.LEVELS))
            and not ("free" in said and not course.is_free)
            and not ("paid" in said and course.is_free)
        )
        return Match(entities=narrowed or match.entities, words=match.words)

    def _course(self, *, memory: bool = True) -> dict | str | None:
        """The course meant: a ``{id, title}``; ``"ask"`` when the message names
        none and memory cannot tell; or the words to search for."""
        if self._uuid():
            return {"id": self._uuid(), "title": ""}
        ordinal, listed = self._ordinal(), self.memory.courses
        if ordinal is not None and memory and -len(listed) <= ordinal < len(listed):
            return listed[ordinal]
        match = self._course_match()
        if match is not None:
            return match.entity.ref() if match.entity else " ".join(match.words)
        topic = self._topic()
        if memory and self.memory.course and (self._has_pronoun() or not topic):
            return self.memory.course
        return " ".join(topic) if topic else "ask"

    def _course_tool(self, tool: str, **extra) -> ProviderStep | None:
        course = self._course()
        if isinstance(course, dict):
            return self.call(tool, course_id=course["id"], **extra)
        return None if course == "ask" else self.call("search_courses", q=course)

    def _lab_match(self) -> Entity | None:
        if not self.labs_offered:
            return None
        match = self.sources.labs.find(self.u.words)
        return match.entity if match else None

    def _lab(self) -> dict | None:
        lab = self._lab_match()
        if lab is not None:
            return lab.ref()
        if self.memory.lab is not None:
            return self.memory.lab
        labs = self.sources.labs.entities if self.labs_offered else []
        return labs[0].ref() if len(labs) == 1 else None

    # --- intents: each answers a step, or None when the message is not for it ------------------
    def _answer(self, intent: str) -> ProviderStep | None:
        if intent in FIXED_REPLIES:
            return self.say(FIXED_REPLIES[intent])
        if intent in PLAIN_CALLS:
            return self.call(PLAIN_CALLS[intent])
        if intent in COURSE_CALLS:
            return self._course_tool(COURSE_CALLS[intent])
        return getattr(self, f"_{intent}")()

    def _enroll(self) -> ProviderStep | None:
        return self._course_tool("enroll", waitlist=True if self.u.has("waitlist") else None)

    def _progress(self) -> ProviderStep | None:
        if self._uuid() and self.u.has("enrollment"):
            return self.call("my_progress", enrollment_id=self._uuid())
        return self._course_tool("my_progress")

    def _my_enrollments(self) -> ProviderStep:
        statuses = {"completed": "completed", "finished": "completed", "waitlisted": "waitlisted"}
        statuses |= {"cancelled": "cancelled", "active": "active", "current": "active", "currently": "active"}
        status = next((statuses[word] for word in self.u.words if word in statuses), None)
        return self.call("my_enrollments", status=status)

    def _details(self) -> ProviderStep | None:
        if self._has_pronoun() and self.memory.last_kind == "lab" and self.memory.lab:
            return self.call("get_lab", lab_id=self.memory.lab["id"])
        lab = self._lab_match()
        if lab is not None and self.u.has("lab", "labs", "room"):
            return self.call("get_lab", lab_id=lab.id)
        course = self._course()
        if isinstance(course, dict):
            return self.call("get_course", course_id=course["id"])
        if lab is not None:
            return self.call("get_lab", lab_id=lab.id)
        return None

    def _search(self) -> ProviderStep | None:
        u = self.u
        topic = self._topic()
        level = next((level for level in language.LEVELS if level in u.words), None)
        is_free = False if u.has("paid", "not free") else (True if u.has("free") else None)
        asks_for_courses = u.has("course", "courses", "class", "classes", "learn", "teach", "something")
        known = any(word in self.sources.courses.vocabulary for word in topic)
        if not (known or asks_for_courses or level):
            return None  # "search for cheap flights" is not a catalogue question
        return self.call("search_courses", q=" ".join(topic) or None, level=level, is_free=is_free)

    # --- labs ---------------------------------------------------------------------------------------
    def _availability(self) -> ProviderStep | None:  # None: not about a lab
        lab = self._lab()
        if lab is None or (self._lab_match() is None and self.u.has("course", "courses")):
            return None
        first, last = language.parse_window(self.u, self.today)
        return self.call("lab_availability", lab_id=lab["id"], date_from=first.isoformat(), date_to=last.isoformat())

    def _book(self) -> ProviderStep | None:
        moment = language.parse_time(self.u.original)
        ordinal, slots = self._ordinal(), self.memory.slots
        if moment is None and ordinal is not None and slots and self.memory.lab:
            if -len(slots) <= ordinal < len(slots):
                return self.call("book_lab", lab_id=self.memory.lab["id"], start=slots[ordinal]["start"])
            return self.say(f"There were only {len(slots)} free slot(s) to choose from.")
        if moment is None and self.memory.suggested and self.memory.lab:
            return self.call("book_lab", lab_id=self.memory.lab["id"], start=self.memory.suggested["start"])
        lab = self._lab()
        if self.u.has("same time") and self.memory.booking:
            return self._same_time_again(lab)
        if lab is None:
            return None
        if moment is None:
            return self.say("At what time? For example “book it at 10:00 on Friday”.")
        remembered = self.memory.day if self.memory.lab and self.memory.lab["id"] == lab["id"] else None
        day = self._day() or remembered or self.today
        start = datetime.combine(day, moment, tzinfo=self.zone).astimezone(UTC)
        return self.call("book_lab", lab_id=lab["id"], start=start.strftime("%Y-%m-%dT%H:%M:%SZ"))

    def _same_time_again(self, lab: dict | None) -> ProviderStep:
        """ "same time next week / tomorrow / on Friday": the last booking's local time."""
        booked = instant(self.memory.booking["start"]).astimezone(self.zone)
        day = self._day() or (booked.date() + timedelta(days=7) if self.u.has("week") else booked.date())
        start = datetime.combine(day, booked.time(), tzinfo=self.zone).astimezone(UTC)
        lab_id = lab["id"] if self._lab_match() else self.memory.booking["lab"]["id"]
        return self.call("book_lab", lab_id=lab_id, start=start.strftime("%Y-%m-%dT%H:%M:%SZ"))

    # --- cancelling -------------------------------------------------------------------------------
    def _cancel(self) -> ProviderStep:
        u = self.u
        if self.memory.last_tool == "checkout":
            return self.say("OK, I will not place that order; nothing was charged.")
        if u.has("booking", "bookings", "reservation", "reservations", "slot", "lab", "booked"):
            return self._cancel_booking()
        if u.has("enrollment", "enrollments", "course", "class", "enrolled", "unenroll", "withdraw", "drop out"):
            return self._cancel_enrollment()
        if self._lab_match() is not None:
            return self._cancel_booking()
        if isinstance(self._course(memory=False), dict):
            return self._cancel_enrollment()
        if self.memory.last_kind == "cart" and self.memory.course:
            return self.call("remove_from_cart", course_id=self.memory.course["id"])
        if self.memory.last_kind in ("course", "enrollment"):
            return self._cancel_enrollment()
        return self._cancel_booking()

    def _cancel_booking(self) -> ProviderStep:
        if self._uuid():
            return self.call("cancel_booking", booking_id=self._uuid())
        ordinal, listed = self._ordinal(), self.memory.bookings
        if ordinal is not None and -len(listed) <= ordinal < len(listed):
            return self.call("cancel_booking", booking_id=listed[ordinal]["id"])
        if self.memory.booking and self._has_pronoun() and self.memory.booking.get("status") != "cancelled":
            return self.call("cancel_booking", booking_id=self.memory.booking["id"])
        rows = self.sources.bookings()
        lab, day = self._lab_match(), self._day()
        rows = [row for row in rows if lab is None or row["lab_id"] == lab.id]
        rows = [row for row in rows if day is None or row["start"].astimezone(self.zone).date() == day]
        if len(rows) == 1:
            return self.call("cancel_booking", booking_id=rows[0]["id"])
        if not rows:
            return self.say("I found no upcoming booking like that to cancel.")
        return self.call("my_bookings", upcoming=True)

    def _cancel_enrollment(self) -> ProviderStep:
        if self._uuid() and self.u.has("enrollment"):
            return self.call("cancel_enrollment", enrollment_id=self._uuid())
        ordinal, listed = self._ordinal(), self.memory.enrollments
        if ordinal is not None and -len(listed) <= ordinal < len(listed):
            return self.call("cancel_enrollment", enrollment_id=listed[ordinal]["id"])
        rows = self.sources.enrollments()
        course = self._course()
        if isinstance(course, dict):
            rows = [row for row in rows if row["course_id"] == course["id"]]
            if not rows:
                return self.say("You are not enrolled in that course, so there is nothing to cancel.")
        if len(rows) == 1:
            return self.call("cancel_enrollment", enrollment_id=rows[0]["id"])
        if not rows:
            return self.say("You have no active enrollment to cancel.")
        return self.call("my_enrollments", status="active")
