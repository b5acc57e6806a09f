"""Demo assistant data.

- Every size: three demo learners' conversations (among learners 1-5) played through the real
  orchestration loop with the offline provider (so their tool calls really
  ran, as those learners): finding a course, reading it, enrolling and asking
  for progress; lab availability and booking the first free slot; the cart,
  and a paid course refused with ``payment_required``.
- medium/large: synthetic conversations (one search turn each) for more
  learners, bulk-inserted, so the admin's usage view has a crowd to rank.

Idempotent: the demo transcripts are played only while none exists, and a
learner who already has a conversation gets no synthetic one.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.ai_orchestration.models import Conversation, Message, ToolCall
from apps.ai_orchestration.providers import OfflineProvider
from apps.ai_orchestration.services import chat_turn_with
from apps.catalog import services as catalog_services
from apps.identity.models import User
from apps.identity.seeding import learner_email
from apps.labs import services as labs_services
from apps.learning import repositories as learning_repositories
from deltalabs.seeding import SeedContext

DEMO_LEARNERS = (1, 2, 3, 4, 5)


def _open_for(user: User, courses: list) -> object | None:
    """The first course ``user`` could join today: window open, a seat free, not enrolled yet."""
    now = timezone.now()
    for course in courses:
        opens, closes = course.enrollment_opens_at, course.enrollment_closes_at
        if (opens and opens > now) or (closes and closes <= now):
            continue
        if course.capacity is not None and course.seats_taken >= course.capacity:
            continue
        if learning_repositories.enrollment_current(user_id=user.pk, course_id=course.pk) is None:
            return course
    return None


def _scripts(demo: list[User]) -> list[tuple[User, list[str]]]:
    """(learner, script) pairs naming what the catalogue really holds; each
    script goes to a different demo learner for whom it can succeed."""
    free = catalog_services.course_search(actor=demo[0], is_free=True, ordering="title", limit=50).items
    paid = catalog_services.course_search(actor=demo[0], is_free=False, ordering="title", limit=50).items
    labs = labs_services.lab_list(actor=demo[0], limit=1).items
    free_agents = [(user, course) for user in demo if (course := _open_for(user, free)) is not None]
    pairs: list[tuple[User, list[str]]] = []
    if free_agents:
        user, course = free_agents[0]
        pairs.append(
            (
                user,
                ["find beginner courses", f"tell me about {course.title}", "enroll me in it", "how am I doing in it?"],
            )
        )
    taken = {user.pk for user, _ in pairs}
    for user in demo:
        if user.pk in taken:
            continue
        course = _open_for(user, paid)
        if course is not None:
            pairs.append((user, [f"enroll me in {course.title}", "ok, add it to my cart", "what's in my cart?"]))
            break
    taken = {user.pk for user, _ in pairs}
    spare = [user for user in demo if user.pk not in taken]
    if labs and spare:
        pairs.append((spare[0], [f"when is the {labs[0].name} free next week?", "book the first one", "my bookings"]))
    return pairs


def _play(user: User, script: list[str]) -> None:
    provider = OfflineProvider()
    conversation_id = None
    for message in script:
        response = chat_turn_with(provider=provider, actor=user, message=message, conversation_id=conversation_id)
        conversation_id = response.conversation_id


def seed(ctx: SeedContext) -> None:
    emails = [learner_email(number) for number in DEMO_LEARNERS]
    demo = list(User.objects.filter(email__in=emails).order_by("email"))
    if not demo:
        return
    # The demo transcripts are played once: any of them present means done.
    if not Conversation.objects.filter(user__in=demo).exists():
        for user, script in _scripts(demo):
            _play(user, script)
    if ctx.size != "small":
        _bulk_conversations(ctx)


def _bulk_conversations(ctx: SeedContext) -> None:
    wanted = ctx.scale.learners // 20
    learners = list(
        User.objects.filter(email__endswith=learner_email(1).split("@")[1])
        .order_by("email")
        .values_list("id", flat=True)[len(DEMO_LEARNERS) : len(DEMO_LEARNERS) + wanted]
    )
    talked = set(Conversation.objects.filter(user_id__in=learners).values_list("user_id", flat=True))
    now = timezone.now()
    conversations, messages, calls = [], [], []
    for index, user_id in enumerate(learner for learner in learners if learner not in talked):
        when = now - timedelta(days=index % 30, minutes=index)
        topic = TOPICS[index % len(TOPICS)]
        conversation = Conversation(
            user_id=user_id, title=f"find {topic} courses", provider="offline", turn_count=1, tool_call_count=1
        )
        question = Message(
            conversation=conversation, role="user", content=f"find {topic} courses", turn=1, step=0, created_at=when
        )
        step = Message(conversation=conversation, role="assistant", content="", turn=1, step=1, created_at=when)
        reply = Message(
            conversation=conversation,
            role="assistant",
            content="I found no courses matching that.",
            turn=1,
            step=2,
            created_at=when,
        )
        call = ToolCall(
            user_id=user_id,
            conversation=conversation,
            message=step,
            source=ToolCall.Source.CHAT,
            call_id="call_1",
            tool="search_courses",
            arguments={"q": topic},
            status=ToolCall.Status.OK,
            result={"results": [], "next_cursor": None},
            http_status=200,
            duration_ms=4 + index % 20,
            created_at=when,
        )
        conversations.append(conversation)
        messages += [question, step, reply]
        calls.append(call)
    ctx.bulk_create(Conversation, conversations, desc="ai conversations")
    ctx.bulk_create(Message, messages, desc="ai messages")
    ctx.bulk_create(ToolCall, calls, desc="ai tool calls")


TOPICS = ["python", "data science", "robotics", "design", "statistics", "cloud", "security", "music"]
