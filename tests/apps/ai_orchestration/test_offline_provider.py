"""The offline provider against everyday phrasings: which tool, which arguments.

One table, run end to end through ``chat_turn`` (real tools, real catalogue),
each phrasing by a fresh learner in Berlin on Wednesday 11 March 2026 at 10:30
local time. Follow-ups first play the earlier turns of the same conversation.
The test prints the hit rate and requires every phrasing to be understood.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from apps.ai_orchestration import services
from apps.ai_orchestration.providers import OfflineProvider, ProviderRequest
from apps.ai_orchestration.providers.base import HistoryItem
from apps.ai_orchestration.services import ChatTurn
from apps.labs import services as labs_services
from tests.factories.identity import UserFactory
from tests.factories.learning import EnrollmentFactory

pytestmark = pytest.mark.django_db

FRIDAY = "2026-03-13"
THURSDAY = "2026-03-12"


@dataclass
class Ctx:
    catalogue: object
    labs: object
    user: object
    earlier: list[ChatTurn]
    prepared: object = None

    def course(self, attribute: str) -> str:
        return str(getattr(self.catalogue, attribute).id)

    def lab(self, attribute: str) -> str:
        return str(getattr(self.labs, attribute).id)

    def last_result(self) -> dict:
        return self.earlier[-1].tool_calls[-1].result


Expect = Callable[[Ctx], list[tuple[str, dict]]]


@dataclass
class Case:
    say: str
    expect: Expect
    before: tuple[str, ...] = ()
    prepare: Callable[[Ctx], object] | None = None
    note: str = field(default="")


def one(tool: str, **arguments) -> Expect:
    """A single expected call; argument values may be functions of the context."""

    def expected(ctx: Ctx) -> list[tuple[str, dict]]:
        return [(tool, {key: value(ctx) if callable(value) else value for key, value in arguments.items()})]

    return expected


def course(attribute: str):
    return lambda ctx: ctx.course(attribute)


def lab(attribute: str):
    return lambda ctx: ctx.lab(attribute)


def nothing(ctx: Ctx) -> list:
    return []


def _book_robotics_friday_11(ctx: Ctx):
    return labs_services.booking_create(
        actor=ctx.user, lab_id=ctx.labs.robotics.id, start=datetime(2026, 3, 13, 10, 0, tzinfo=UTC)
    )


def _enroll_in_data_science(ctx: Ctx):
    return EnrollmentFactory(user=ctx.user, course=ctx.catalogue.data_science)


CASES = [
    # --- search_courses -------------------------------------------------------------------
    Case("find me a beginner python course", one("search_courses", q="python", level="beginner")),
    Case("any free courses about data science?", one("search_courses", q="data science", is_free=True)),
    Case("show me advanced courses", one("search_courses", level="advanced")),
    Case("search for machine learning", one("search_courses", q="machine learning")),
    Case("pyhton courses for begginers", one("search_courses", q="python", level="beginner"), note="typos"),
    Case("list all paid courses", one("search_courses", is_free=False)),
    Case("what intermediate courses do you have", one("search_courses", level="intermediate")),
    # --- get_course -------------------------------------------------------------------------
    Case("tell me about Data Science 101", one("get_course", course_id=course("data_science"))),
    Case("what is intro to robotics about?", one("get_course", course_id=course("intro_robotics"))),
    Case("details on the advanced pyton course", one("get_course", course_id=course("advanced_python"))),
    Case("Web Development with Django", one("get_course", course_id=course("web_django")), note="a bare title"),
    Case(
        "tell me more about the first one",
        one("get_course", course_id=course("python_basics")),
        before=("find beginner python courses",),
    ),
    # --- enroll -----------------------------------------------------------------------------
    Case("enroll me in Python Basics", one("enroll", course_id=course("python_basics"))),
    Case("enrol me in pyhton basics pls", one("enroll", course_id=course("python_basics")), note="typos"),
    Case("sign me up for intro to robotics", one("enroll", course_id=course("intro_robotics"))),
    Case("I want to join data science 101", one("enroll", course_id=course("data_science"))),
    Case("register me for machine learning fundamentals", one("enroll", course_id=course("machine_learning"))),
    Case(
        "put me on the waitlist for the robotics workshop",
        one("enroll", course_id=course("robotics_workshop"), waitlist=True),
    ),
    Case(
        "enroll me in it",
        one("enroll", course_id=course("data_science")),
        before=("tell me about Data Science 101",),
    ),
    Case(
        "ok, enroll me in the second one",
        one("enroll", course_id=lambda ctx: ctx.last_result()["results"][1]["id"]),
        before=("find free courses",),
    ),
    Case(
        "put me on the waitlist",
        one("enroll", course_id=course("robotics_workshop"), waitlist=True),
        before=("enroll me in the robotics workshop",),
        note="after course_full",
    ),
    # --- my_enrollments -------------------------------------------------------------------------
    Case("what courses am I enrolled in?", one("my_enrollments")),
    Case("show my courses", one("my_enrollments")),
    Case("my completed courses", one("my_enrollments", status="completed")),
    Case("which courses am I waitlisted for", one("my_enrollments", status="waitlisted")),
    # --- my_progress ---------------------------------------------------------------------------
    Case("how am I doing in Data Science 101?", one("my_progress", course_id=course("data_science"))),
    Case("what's my progress in python basics", one("my_progress", course_id=course("python_basics"))),
    Case("progres in intro to robotcs", one("my_progress", course_id=course("intro_robotics")), note="typos"),
    Case(
        "how far am I in it?",
        one("my_progress", course_id=course("python_basics")),
        before=("enroll me in Python Basics",),
    ),
    # --- my_grades --------------------------------------------------------------------------------
    Case("what are my grades in Data Science 101", one("my_grades", course_id=course("data_science"))),
    Case("my score in pyhton basics?", one("my_grades", course_id=course("python_basics"))),
    Case(
        "and my grades there?",
        one("my_grades", course_id=course("intro_robotics")),
        before=("tell me about intro to robotics",),
    ),
    # --- lab_availability -------------------------------------------------------------------------
    Case(
        "when is the robotics lab free on Friday?",
        one("lab_availability", lab_id=lab("robotics"), date_from=FRIDAY, date_to=FRIDAY),
    ),
    Case(
        "is the chemistry lab available tomorrow",
        one("lab_availability", lab_id=lab("chemistry"), date_from=THURSDAY, date_to=THURSDAY),
    ),
    Case(
        "robotcs lab availability next monday",
        one("lab_availability", lab_id=lab("robotics"), date_from="2026-03-16", date_to="2026-03-16"),
    ),
    Case(
        "open slots in the GPU lab this week",
        one("lab_availability", lab_id=lab("gpu"), date_from="2026-03-11", date_to="2026-03-17"),
    ),
    Case(
        "when can I use the chemistry lab on firday",
        one("lab_availability", lab_id=lab("chemistry"), date_from=FRIDAY, date_to=FRIDAY),
        note="typo",
    ),
    Case(
        "what about thursday?",
        one("lab_availability", lab_id=lab("robotics"), date_from=THURSDAY, date_to=THURSDAY),
        before=("when is the robotics lab free on Friday?",),
    ),
    # --- book_lab -----------------------------------------------------------------------------------
    Case(
        "book the robotics lab on Friday at 10:00",
        one("book_lab", lab_id=lab("robotics"), start="2026-03-13T09:00:00Z"),
        note="10:00 Berlin is 09:00 UTC",
    ),
    Case(
        "book it at 10am",
        one("book_lab", lab_id=lab("robotics"), start="2026-03-13T09:00:00Z"),
        before=("when is the robotics lab free on Friday?",),
    ),
    Case(
        "book the first one",
        one("book_lab", lab_id=lab("robotics"), start="2026-03-13T08:00:00Z"),
        before=("when is the robotics lab free on Friday?",),
    ),
    Case(
        "reserve the chemistry lab tomorrow at 2pm",
        one("book_lab", lab_id=lab("chemistry"), start="2026-03-12T13:00:00Z"),
    ),
    Case(
        "great, book it for 15:00",
        one("book_lab", lab_id=lab("chemistry"), start="2026-03-13T14:00:00Z"),
        before=("when is the chemistry lab free on Friday?",),
    ),
    # --- cancel_booking -----------------------------------------------------------------------------
    Case(
        "cancel it",
        one("cancel_booking", booking_id=lambda ctx: ctx.last_result()["id"]),
        before=("book the robotics lab on friday at 11:00",),
    ),
    Case(
        "cancel my robotics lab booking",
        lambda ctx: [
            ("my_bookings", {"upcoming": True}),
            ("cancel_booking", {"booking_id": str(ctx.prepared.id)}),
        ],
        prepare=_book_robotics_friday_11,
        note="two steps: find it, cancel it",
    ),
    Case(
        "cancle my reservation",
        lambda ctx: [
            ("my_bookings", {"upcoming": True}),
            ("cancel_booking", {"booking_id": str(ctx.prepared.id)}),
        ],
        prepare=_book_robotics_friday_11,
        note="typo",
    ),
    # --- cancel_enrollment ----------------------------------------------------------------------------
    Case(
        "cancel my enrollment in Data Science 101",
        lambda ctx: [
            ("my_enrollments", {"status": "active"}),
            ("cancel_enrollment", {"enrollment_id": str(ctx.prepared.id)}),
        ],
        prepare=_enroll_in_data_science,
    ),
    # --- cart -------------------------------------------------------------------------------------------
    Case("add advanced python to my cart", one("add_to_cart", course_id=course("advanced_python"))),
    Case("buy machine learning fundamentals", one("add_to_cart", course_id=course("machine_learning"))),
    Case("put machine learning fundamentals in my crat", one("add_to_cart", course_id=course("machine_learning"))),
    Case(
        "add it to my cart",
        one("add_to_cart", course_id=course("advanced_python")),
        before=("tell me about Advanced Python",),
    ),
    Case(
        "ok, buy it then",
        one("add_to_cart", course_id=course("advanced_python")),
        before=("enroll me in advanced python",),
        note="after payment_required",
    ),
    Case("what's in my cart?", one("view_cart")),
    Case("show my basket", one("view_cart")),
    Case("remove advanced python from my cart", one("remove_from_cart", course_id=course("advanced_python"))),
    # --- labs, bookings, help ---------------------------------------------------------------------------
    Case("which labs are there?", one("list_labs")),
    Case("show me my bookings", one("my_bookings")),
    Case("hello!", nothing, note="help text, no tool"),
    # --- written after the first fifty, run blind (17/20 on the first run), then fixed ------------
    Case("could you look up some courses on robotics?", one("search_courses", q="robotics")),
    Case("I'd like a free beginner course", one("search_courses", level="beginner", is_free=True)),
    Case("recommend something about django", one("search_courses", q="django")),
    Case("how much is advanced python?", one("get_course", course_id=course("advanced_python"))),
    Case("give me info on machine learning fundamentals", one("get_course", course_id=course("machine_learning"))),
    Case("please enroll me into Web Development with Django", one("enroll", course_id=course("web_django"))),
    Case("can I take data science 101", one("enroll", course_id=course("data_science"))),
    Case("sign up for it", one("enroll", course_id=course("intro_robotics")), before=("what's intro to robotics?",)),
    Case("list my enrollments", one("my_enrollments")),
    Case("am I enrolled in anything?", one("my_enrollments")),
    Case("how many lessons have I done in python basics", one("my_progress", course_id=course("python_basics"))),
    Case("grades for intro to robotics please", one("my_grades", course_id=course("intro_robotics"))),
    Case(
        "is robotics lab open on thursday",
        one("lab_availability", lab_id=lab("robotics"), date_from=THURSDAY, date_to=THURSDAY),
    ),
    Case(
        "chemistry lab slots for friday",
        one("lab_availability", lab_id=lab("chemistry"), date_from=FRIDAY, date_to=FRIDAY),
    ),
    Case("book chemistry lab friday 9am", one("book_lab", lab_id=lab("chemistry"), start="2026-03-13T08:00:00Z")),
    Case(
        "book the second slot",
        one("book_lab", lab_id=lab("robotics"), start="2026-03-13T09:00:00Z"),
        before=("when is the robotics lab free on Friday?",),
    ),
    Case(
        "I want to reserve the GPU lab tomorrow at 16:00",
        one("book_lab", lab_id=lab("gpu"), start="2026-03-12T15:00:00Z"),
        note="the user's 16:00 (Berlin), whatever the lab's zone",
    ),
    Case("what labs do you have", one("list_labs")),
    Case("do I have any bookings?", one("my_bookings")),
    Case("thanks!", nothing),
]


def _play(case: Case, catalogue, labs) -> tuple[list[tuple[str, dict]], list[tuple[str, dict]], str]:
    user = UserFactory(timezone="Europe/Berlin")
    ctx = Ctx(catalogue=catalogue, labs=labs, user=user, earlier=[])
    if case.prepare:
        ctx.prepared = case.prepare(ctx)
    conversation_id = None
    for message in case.before:
        response = services.chat_turn(actor=user, message=message, conversation_id=conversation_id)
        conversation_id = response.conversation_id
        ctx.earlier.append(response)
    response = services.chat_turn(actor=user, message=case.say, conversation_id=conversation_id)
    chosen = [(call.tool, call.arguments) for call in response.tool_calls]
    return chosen, case.expect(ctx), response.reply


def test_offline_provider_understands_everyday_phrasings(clock, catalogue, labs):
    # given a fixed catalogue, three labs and a clock; when each phrasing is said
    assert len(CASES) >= 40
    misses = []
    for case in CASES:
        chosen, expected, reply = _play(case, catalogue, labs)
        if chosen != expected:
            misses.append(f"{case.say!r}: chose {chosen}, expected {expected} (reply: {reply[:80]!r})")
    # then every phrasing picks the expected tool and arguments
    hits = len(CASES) - len(misses)
    print(f"\noffline provider hit rate: {hits}/{len(CASES)} = {hits / len(CASES):.0%}")
    assert not misses, f"hit rate {hits}/{len(CASES)}; misses:\n" + "\n".join(misses)


def _request(user, *history: HistoryItem) -> ProviderRequest:
    from apps.ai_orchestration.providers import ToolSpec
    from apps.ai_orchestration.tools import REGISTRY

    tools = [ToolSpec(t.name, t.description, t.parameters(), t.mutates) for t in REGISTRY.for_actor(user)]
    return ProviderRequest(
        actor=user, history=list(history), tools=tools, now=datetime(2026, 3, 11, 9, 30, tzinfo=UTC), max_tool_steps=5
    )


class TestDeterminismAndReplies:
    def test_same_input_same_step(self, catalogue, labs, learner):
        request = _request(learner, HistoryItem(role="user", content="book the robotics lab on Friday at 10:00"))
        first = OfflineProvider().next_step(request)
        second = OfflineProvider().next_step(request)
        assert first == second and first.calls[0].name == "book_lab"

    def test_reply_after_a_tool_result_names_the_outcome(self, clock, catalogue, labs, learner):
        response = services.chat_turn(actor=learner, message="enroll me in Python Basics")
        assert response.tool_calls[0].status == "ok"
        assert "enrolled in Python Basics" in response.reply

    def test_reply_explains_a_domain_error(self, clock, catalogue, labs, learner):
        response = services.chat_turn(actor=learner, message="enroll me in Advanced Python")
        assert response.tool_calls[0].error["code"] == "payment_required"
        assert "cart" in response.reply

    def test_slots_are_shown_in_the_users_time_zone(self, clock, catalogue, labs, learner):
        response = services.chat_turn(actor=learner, message="when is the robotics lab free on Friday?")
        # the lab opens at 09:00 Berlin time: 08:00 UTC in the result, 09:00 in the reply
        assert response.tool_calls[0].result["slots"][0]["start"] == "2026-03-13T08:00:00Z"
        assert "Fri 13 Mar 09:00" in response.reply

    def test_unknown_course_name_falls_back_to_a_search(self, clock, catalogue, labs, learner):
        response = services.chat_turn(actor=learner, message="enroll me in underwater origami")
        assert [call.tool for call in response.tool_calls] == ["search_courses"]

    def test_ambiguous_course_name_searches_instead_of_guessing(self, clock, catalogue, labs, learner):
        response = services.chat_turn(actor=learner, message="enroll me in python")
        assert response.tool_calls[0].tool == "search_courses"
        assert response.tool_calls[0].arguments == {"q": "python"}

    def test_a_hidden_course_is_never_matched(self, clock, catalogue, labs, learner):
        from tests.factories.catalog import DraftCourseFactory

        DraftCourseFactory(title="Secret Quantum Course", slug="secret-quantum")
        response = services.chat_turn(actor=learner, message="enroll me in secret quantum course")
        assert [call.tool for call in response.tool_calls] == ["search_courses"]
        assert response.tool_calls[0].result["results"] == []


# Written after the provider was finished and NOT tuned against: an honest
# measure of phrasings nobody fitted. The bar is stated, not 100%.
HELD_OUT = [
    Case("Do you have anything on data science for free?", one("search_courses", q="data science", is_free=True)),
    Case("i'm looking for advanced stuff", one("search_courses", level="advanced")),
    Case("what's the price of machine learning fundamentals", one("get_course", course_id=course("machine_learning"))),
    Case("describe robotics workshop", one("get_course", course_id=course("robotics_workshop"))),
    Case("Enroll in intro to robotics, please.", one("enroll", course_id=course("intro_robotics"))),
    Case("join the django web development course", one("enroll", course_id=course("web_django"))),
    Case("courses I'm taking", one("my_enrollments")),
    Case("how is my progress on data science 101", one("my_progress", course_id=course("data_science"))),
    Case("show grades python basics", one("my_grades", course_id=course("python_basics"))),
    Case(
        "Is the Chemistry Lab free next Tuesday?",
        one("lab_availability", lab_id=lab("chemistry"), date_from="2026-03-17", date_to="2026-03-17"),
    ),
    Case(
        "robotics lab on 2026-03-20",
        one("lab_availability", lab_id=lab("robotics"), date_from="2026-03-20", date_to="2026-03-20"),
    ),
    Case("book robotics lab tomorrow 11:00", one("book_lab", lab_id=lab("robotics"), start="2026-03-12T10:00:00Z")),
    Case(
        "take the 3rd one",
        one("book_lab", lab_id=lab("robotics"), start="2026-03-13T10:00:00Z"),
        before=("when is the robotics lab free on Friday?",),
    ),
    Case("which bookings do I have coming up", one("my_bookings")),
    Case("what can you do?", nothing),
]
HELD_OUT_BAR = 0.70


def test_offline_provider_on_held_out_phrasings(clock, catalogue, labs):
    misses = []
    for case in HELD_OUT:
        chosen, expected, reply = _play(case, catalogue, labs)
        if chosen != expected:
            misses.append(f"{case.say!r}: chose {chosen}, expected {expected} (reply: {reply[:80]!r})")
    rate = (len(HELD_OUT) - len(misses)) / len(HELD_OUT)
    print(f"\noffline provider held-out hit rate: {len(HELD_OUT) - len(misses)}/{len(HELD_OUT)} = {rate:.0%}")
    print("\n".join(misses))
    assert rate >= HELD_OUT_BAR, "\n".join(misses)
