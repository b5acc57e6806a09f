"""The offline provider: no network, deterministic.

It maps everyday phrasings to ONE tool call per step ("find beginner python
courses" -> ``search_courses(q="python", level="beginner")``), then turns the
tool's result into a reply. Names are resolved against what the user may see,
read through the domain services (``sources``): course titles fuzzily and
case-insensitively (typos tolerated), lab names likewise. Days and times are
read in the user's time zone. "it", "the first one", "book it at 10:00" refer
to the results stored in earlier turns of the conversation (``memory``).

It proposes calls like any provider: the loop validates and runs them with the
user's own rights, so nothing here can widen what the user may do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from apps.ai_orchestration.providers.base import (
    HistoryItem,
    ProposedCall,
    ProviderRequest,
    ProviderStep,
)
from apps.ai_orchestration.providers.offline import language
from apps.ai_orchestration.providers.offline.language import Utterance
from apps.ai_orchestration.providers.offline.memory import Memory
from apps.ai_orchestration.providers.offline.replies import HELP, Formatter
from apps.ai_orchestration.providers.offline.sources import CourseName, ServiceSources

_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")

# Words that say what to do, never which course: dropped before matching names.
INTENT_WORDS = frozenset(
    language.words_of(
        """
    enroll enrolled enrollment enrollments register registered join signup sign waitlist waitlisted put
    add cart basket buy purchase remove delete get take taking start starting
    progress doing completed complete percent far much many lessons lesson done
    grade grades score scores marks results result did
    details detail describe tell info information outline syllabus know learn
    find search look show list recommend suggest see view check give
    cancel cancelled drop unenroll withdraw leave quit
    book booking bookings booked reserve reservation reservations
    available availability open slots slot openings
    today tonight tomorrow week weekend next
    mine status price cost costs
    right away now asap go ahead yes sure thanks
    """
    )
)
LEVELS = ("beginner", "intermediate", "advanced")
SOFT = frozenset({*LEVELS, "free", "paid"})
PRONOUNS = frozenset({"it", "that", "this", "same", "there", "one"})
LAB_NOISE = frozenset({"lab", "labs", "the", "room", "studio", "virtual", "physical"})

MATCH_THRESHOLD = 0.62
AMBIGUITY_MARGIN = 0.05


@dataclass(frozen=True)
class CourseRef:
    kind: str  # course | ambiguous | unknown | none
    course: dict | None = None
    candidates: tuple[CourseName, ...] = ()
    text: str = ""


class OfflineProvider:
    name = "offline"

    def __init__(self, sources_factory=ServiceSources):
        self.sources_factory = sources_factory

    def next_step(self, request: ProviderRequest) -> ProviderStep:
        history = request.history
        starts = [index for index, item in enumerate(history) if item.role == "user"]
        if not starts:
            return ProviderStep(reply=HELP)
        start = starts[-1]
        turn = _Turn(request, Utterance.parse(history[start].content), history[:start], self.sources_factory)
        done = [item for item in history[start + 1 :] if item.role == "tool"]
        if done:
            return turn.follow_up(done)
        return turn.plan()


class _Turn:
    """Understanding one user message, with what the conversation knows."""

    def __init__(self, request: ProviderRequest, utterance: Utterance, earlier: list[HistoryItem], sources_factory):
        self.request = request
        self.u = utterance
        self.offered = {tool.name for tool in request.tools}
        self.zone = ZoneInfo(getattr(request.actor, "timezone", "") or "UTC")
        self.today = request.now.astimezone(self.zone).date()
        self.memory = Memory.from_history(earlier)
        self.sources = sources_factory(request.actor)
        self.formatter = Formatter(self.zone, self._lab_names)
        self._call_number = sum(len(item.calls) for item in request.history if item.role == "assistant")

    # --- output -------------------------------------------------------------------
    def call(self, tool: str, **arguments) -> ProviderStep:
        if tool not in self.offered:
            return ProviderStep(reply=f"Sorry, I cannot do that here ({tool.replace('_', ' ')} is not available).")
        arguments = {key: value for key, value in arguments.items() if value is not None}
        self._call_number += 1
        return ProviderStep(calls=(ProposedCall(call_id=f"call_{self._call_number}", name=tool, arguments=arguments),))

    @staticmethod
    def say(text: str) -> ProviderStep:
        return ProviderStep(reply=text)

    def _lab_names(self) -> dict[str, str]:
        return {lab.id: lab.name for lab in self.sources.labs()} if self._labs_offered() else {}

    def _labs_offered(self) -> bool:
        return bool(self.offered & {"lab_availability", "book_lab", "list_labs", "get_lab"})

    # --- the second step ----------------------------------------------------------------
    def follow_up(self, done: list[HistoryItem]) -> ProviderStep:
        """After a tool ran: chain one more call where the request needs it
        (cancel "my booking" = list bookings, then cancel the one meant),
        otherwise reply."""
        last = done[-1]
        if last.ok and last.tool == "my_bookings" and self._is_cancel() and not self._cancel_target_is_course():
            return self._pick_booking_to_cancel(last)
        if last.ok and last.tool == "my_enrollments" and self._is_cancel() and self._cancel_target_is_course():
            return self._pick_enrollment_to_cancel(last)
        return self.say(self.formatter.compose(done))

    # --- the first step: what is being asked? --------------------------------------------
    def plan(self) -> ProviderStep:
        u = self.u
        if not u.raw:
            return self.say(HELP)
        if self._is_cancel():
            return self._cancel()
        if u.has("book", "reserve") and not u.has("bookings", "reservations"):
            return self._book()
        if self._is_availability():
            return self._availability()
        if u.has("cart", "basket") and u.has("remove", "delete"):
            return self._cart_change("remove_from_cart")
        if (u.has("cart", "basket") and u.has("add", "put")) or u.has("buy", "purchase"):
            return self._cart_change("add_to_cart")
        if u.has("cart", "basket"):
            return self.call("view_cart")
        if self._is_enroll():
            return self._enroll()
        if u.has("grade", "grades", "score", "scores", "marks") or u.phrase("how did i do", "test results"):
            return self._course_tool("my_grades", "grades")
        if u.has("progress", "percent") or u.phrase(
            "how am i doing",
            "how far",
            "how much of",
            "lessons left",
            "how many lessons",
            "have i done",
            "have i completed",
        ):
            return self._progress()
        if self._is_my_enrollments():
            return self._my_enrollments()
        if u.has("bookings", "reservations", "booked") or u.phrase("my booking", "my reservation"):
            return self.call("my_bookings")
        if u.has("labs") or u.phrase("which lab", "what lab", "list lab"):
            return self.call("list_labs")
        if self._is_details():
            return self._details()
        if self._is_search():
            return self._search()
        # A bare name: a course, or a lab.
        ref = self._course_ref(allow_memory=False)
        if ref.kind == "course":
            return self.call("get_course", course_id=ref.course["id"])
        if self._lab_mentioned() is not None:
            return self._availability()
        if self.memory.lab and language.parse_day(u, self.today) is not None:
            return self._availability()  # "what about Thursday?"
        return self.say(HELP)

    # --- intents ------------------------------------------------------------------------------
    def _is_cancel(self) -> bool:
        return self.u.has("cancel", "unbook") or self.u.phrase(
            "drop my", "drop out", "unenroll", "withdraw from", "call off"
        )

    def _cancel_target_is_course(self) -> bool:
        u = self.u
        if u.has("booking", "bookings", "reservation", "reservations", "slot", "lab", "booked"):
            return False
        if u.has("enrollment", "enrollments", "course", "courses", "class", "enrolled") or u.phrase(
            "drop", "unenroll", "withdraw"
        ):
            return True
        if self._course_ref(allow_memory=False).kind == "course":
            return True
        return self.memory.last_kind in ("course", "enrollment")

    def _is_availability(self) -> bool:
        u = self.u
        asks = u.has("available", "availability", "free", "open", "slots", "slot", "openings") or u.phrase(
            "when can i", "when is", "when's"
        )
        return asks and (u.has("lab") or self._lab_mentioned() is not None)

    def _is_enroll(self) -> bool:
        u = self.u
        return u.has("enroll", "register", "join", "signup", "waitlist") or u.phrase(
            "sign me up",
            "sign up",
            "take the course",
            "want to take",
            "like to take",
            "can i take",
            "could i take",
            "let me take",
            "start the course",
        )

    def _is_my_enrollments(self) -> bool:
        u = self.u
        if u.has("completed", "finished") and u.has("courses", "classes"):
            return True
        return u.has("enrolled", "enrollments", "enrollment", "waitlisted") or u.phrase(
            "my courses", "my classes", "am i taking", "i'm taking", "im taking", "signed up for", "registered for"
        )

    def _is_details(self) -> bool:
        u = self.u
        return u.has("details", "detail", "describe", "outline", "syllabus", "info", "information") or u.phrase(
            "tell me about", "tell me more", "more about", "what is", "what's", "how much is", "how much does"
        )

    def _is_search(self) -> bool:
        u = self.u
        return (
            u.has("find", "search", "look", "show", "list", "recommend", "suggest", "courses", "course", "any")
            or u.has(*LEVELS)
            or u.has("free", "paid")
        )

    # --- courses ------------------------------------------------------------------------------
    def _topic_words(self) -> list[str]:
        """The words that may name a course: no intent words, days, times,
        ids or filler. Numbers of three digits stay ("Data Science 101")."""
        text = _UUID.sub(" ", self.u.original.lower())
        text = language.strip_times_and_dates(text)
        words = []
        for raw in language.tokens(text):
            word = language.canonical(raw)
            if raw in language.STOPWORDS or word in INTENT_WORDS or raw in language.ORDINALS:
                continue
            if word in language.WEEKDAYS or raw in language.MONTHS:
                continue
            if raw.isdigit() and len(raw) != 3:
                continue
            words.append(word if word in SOFT else raw)
        return words

    def _has_pronoun(self) -> bool:
        return any(token in PRONOUNS for token in self.u.raw)

    def _course_ref(self, *, allow_memory: bool = True) -> CourseRef:
        found = _UUID.search(self.u.original.lower())
        if found:
            return CourseRef(kind="course", course={"id": found.group(0), "title": ""})
        ordinal = language.parse_ordinal(self.u)
        courses = self.memory.courses if allow_memory else []
        if ordinal is not None and -len(courses) <= ordinal < len(courses):
            return CourseRef(kind="course", course=self.memory.courses[ordinal])
        words = self._topic_words()
        content = [word for word in words if word not in SOFT]
        if content:
            ref = self._match_course(words)
            if ref.kind != "none":
                return ref
            if not (allow_memory and self._has_pronoun() and self.memory.course):
                return CourseRef(kind="unknown", text=" ".join(content))
        if allow_memory and self.memory.course:
            return CourseRef(kind="course", course=self.memory.course)
        if allow_memory and len(self.memory.courses) > 1:
            return CourseRef(kind="ambiguous", candidates=())
        return CourseRef(kind="none")

    def _match_course(self, words: list[str]) -> CourseRef:
        candidates = {course.id: course for course in self.sources.courses()}
        if not self.sources.courses_complete:
            query = " ".join(word for word in words if word not in SOFT)
            candidates.update({course.id: course for course in self.sources.courses_matching(query)})
        if not candidates:
            return CourseRef(kind="none")
        phrase = " ".join(words)
        scored = []
        for course in candidates.values():
            title_words = language.content_tokens(course.title)
            score = max(
                language.name_score(words, title_words, soft=SOFT),
                language.name_score(words, language.content_tokens(course.slug), soft=SOFT),
            )
            if phrase == " ".join(title_words):
                score = 1.5  # said the exact title
            if course.level in words:
                score += 0.1
            if ("free" in words and course.is_free) or ("paid" in words and not course.is_free):
                score += 0.05
            scored.append((score, course.title.lower(), course))
        scored.sort(key=lambda entry: (-entry[0], entry[1]))
        best_score, _, best = scored[0]
        if best_score < MATCH_THRESHOLD:
            return CourseRef(kind="none")
        rivals = tuple(course for score, _, course in scored if score >= best_score - AMBIGUITY_MARGIN)
        if len(rivals) > 1:
            return CourseRef(kind="ambiguous", candidates=rivals, text=" ".join(w for w in words if w not in SOFT))
        return CourseRef(kind="course", course={"id": best.id, "title": best.title})

    def _unresolved(self, ref: CourseRef, what: str) -> ProviderStep:
        if ref.kind == "ambiguous" and ref.text:
            return self.call("search_courses", q=ref.text)
        if ref.kind == "unknown":
            return self.call("search_courses", q=self._query_text(ref.text.split()))
        if ref.kind == "ambiguous":
            return self.say(f"Which course do you mean for {what}? Say “the first one”, or its title.")
        return self.say(f"Which course do you mean for {what}? Tell me its title, e.g. “{what} in Python Basics”.")

    def _course_tool(self, tool: str, what: str, **extra) -> ProviderStep:
        ref = self._course_ref()
        if ref.kind != "course":
            return self._unresolved(ref, what)
        return self.call(tool, course_id=ref.course["id"], **extra)

    def _enroll(self) -> ProviderStep:
        waitlist = True if self.u.has("waitlist") else None
        return self._course_tool("enroll", "enrolling", waitlist=waitlist)

    def _progress(self) -> ProviderStep:
        found = _UUID.search(self.u.original.lower())
        if found and self.u.has("enrollment"):
            return self.call("my_progress", enrollment_id=found.group(0))
        return self._course_tool("my_progress", "progress")

    def _details(self) -> ProviderStep:
        ref = self._course_ref()
        if ref.kind == "course":
            return self.call("get_course", course_id=ref.course["id"])
        lab = self._lab_mentioned()
        if lab is not None:
            return self.call("get_lab", lab_id=lab["id"])
        return self._unresolved(ref, "details")

    def _my_enrollments(self) -> ProviderStep:
        u = self.u
        status = None
        if u.has("completed") or u.phrase("finished"):
            status = "completed"
        elif u.has("waitlisted", "waitlist"):
            status = "waitlisted"
        elif u.has("cancelled"):
            status = "cancelled"
        elif u.phrase("active", "current", "currently"):
            status = "active"
        return self.call("my_enrollments", status=status)

    def _cart_change(self, tool: str) -> ProviderStep:
        ref = self._course_ref()
        if ref.kind != "course":
            return self._unresolved(ref, "your cart")
        return self.call(tool, course_id=ref.course["id"])

    def _vocabulary(self) -> set[str]:
        return {word for course in self.sources.courses() for word in language.content_tokens(course.title)}

    def _query_text(self, words: list[str]) -> str | None:
        cleaned = [word for word in words if word not in SOFT and word not in ("good", "best", "new", "online")]
        if not cleaned:
            return None
        return " ".join(language.correct_words(cleaned, self._vocabulary()))

    def _search(self) -> ProviderStep:
        u = self.u
        level = next((level for level in LEVELS if level in u.words), None)
        is_free = None
        if u.phrase("not free") or u.has("paid"):
            is_free = False
        elif u.has("free"):
            is_free = True
        return self.call("search_courses", q=self._query_text(self._topic_words()), level=level, is_free=is_free)

    # --- labs -----------------------------------------------------------------------------------
    def _lab_mentioned(self) -> dict | None:
        if not self._labs_offered():
            return None
        best, best_score = None, 0.0
        for lab in self.sources.labs():
            names = language.tokens(f"{lab.name} {lab.slug.replace('-', ' ')}")
            distinctive = sorted({word for word in names if word not in LAB_NOISE})
            if not distinctive:
                continue
            hits = sum(
                1
                for word in distinctive
                if any(language._similar(token, word) >= 0.8 for token in self.u.raw if token not in LAB_NOISE)
            )
            score = hits / len(distinctive)
            if score > best_score:
                best, best_score = lab, score
        if best is None:
            return None
        return {"id": best.id, "name": best.name}

    def _lab_ref(self) -> dict | None:
        lab = self._lab_mentioned()
        if lab is not None:
            return lab
        if self.memory.lab is not None:
            return self.memory.lab
        labs = self.sources.labs() if self._labs_offered() else []
        if len(labs) == 1:
            return {"id": labs[0].id, "name": labs[0].name}
        return None

    def _availability(self) -> ProviderStep:
        lab = self._lab_ref()
        if lab is None:
            return self.say("Which lab? Say “which labs are there?” to see them.")
        first, last = language.parse_window(self.u, self.today)
        return self.call("lab_availability", lab_id=lab["id"], date_from=first.isoformat(), date_to=last.isoformat())

    def _book(self) -> ProviderStep:
        moment = language.parse_time(self.u.original)
        ordinal = language.parse_ordinal(self.u)
        if moment is None and ordinal is not None and self.memory.slots and self.memory.lab:
            slots = self.memory.slots
            if -len(slots) <= ordinal < len(slots):
                return self.call("book_lab", lab_id=self.memory.lab["id"], start=slots[ordinal]["start"])
            return self.say(f"There were only {len(slots)} free slot(s) to choose from.")
        lab = self._lab_ref()
        if lab is None:
            return self.say("Which lab would you like to book? Say “which labs are there?” to see them.")
        if moment is None:
            return self.say("At what time? For example “book it at 10:00 on Friday”.")
        day = language.parse_day(self.u, self.today) or self._remembered_day(lab) or self.today
        start = language.local_datetime(day, moment, self.zone).astimezone(UTC)
        return self.call("book_lab", lab_id=lab["id"], start=start.strftime("%Y-%m-%dT%H:%M:%SZ"))

    def _remembered_day(self, lab: dict) -> date | None:
        if self.memory.lab and self.memory.lab["id"] == lab["id"]:
            return self.memory.day
        return None

    # --- cancelling -------------------------------------------------------------------------------
    def _cancel(self) -> ProviderStep:
        if self._cancel_target_is_course():
            return self._cancel_enrollment()
        found = _UUID.search(self.u.original.lower())
        if found:
            return self.call("cancel_booking", booking_id=found.group(0))
        ordinal = language.parse_ordinal(self.u)
        if (
            ordinal is not None
            and self.memory.bookings
            and -len(self.memory.bookings) <= ordinal < len(self.memory.bookings)
        ):
            return self.call("cancel_booking", booking_id=self.memory.bookings[ordinal]["id"])
        if self.memory.booking is not None and (self._has_pronoun() or self.memory.last_kind == "booking"):
            return self.call("cancel_booking", booking_id=self.memory.booking["id"])
        return self.call("my_bookings", upcoming=True)

    def _pick_booking_to_cancel(self, listing: HistoryItem) -> ProviderStep:
        rows = [row for row in listing.result.get("results", []) if row.get("status") == "active"]
        lab = self._lab_mentioned()
        if lab is not None:
            rows = [row for row in rows if row["lab"]["id"] == lab["id"]]
        day = language.parse_day(self.u, self.today)
        if day is not None:
            rows = [row for row in rows if self._local_day(row["start"]) == day]
        if len(rows) == 1:
            return self.call("cancel_booking", booking_id=rows[0]["id"])
        if not rows:
            return self.say("I found no upcoming booking like that to cancel.")
        return self.say(
            self.formatter.ok_my_bookings(listing) + "\nWhich one should I cancel? Say “cancel the first one”."
        )

    def _local_day(self, value: str) -> date:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(self.zone).date()

    def _cancel_enrollment(self) -> ProviderStep:
        found = _UUID.search(self.u.original.lower())
        if found and self.u.has("enrollment"):
            return self.call("cancel_enrollment", enrollment_id=found.group(0))
        return self.call("my_enrollments", status="active")

    def _pick_enrollment_to_cancel(self, listing: HistoryItem) -> ProviderStep:
        rows = [row for row in listing.result.get("results", []) if row.get("status") in ("active", "waitlisted")]
        ref = self._course_ref()
        if ref.kind == "course":
            rows = [row for row in rows if row["course"]["id"] == ref.course["id"]]
        if len(rows) == 1:
            return self.call("cancel_enrollment", enrollment_id=rows[0]["id"])
        if not rows:
            return self.say("I found no active enrollment like that to cancel.")
        return self.say(
            self.formatter.ok_my_enrollments(listing) + "\nWhich one should I cancel? Tell me the course title."
        )
