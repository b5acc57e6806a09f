"""The assistant's demo data: real transcripts on the small demo, a crowd
of synthetic ones on bigger sizes, idempotent."""

import importlib

import pytest

from apps.ai_orchestration import seeding
from apps.ai_orchestration.models import Conversation, Message, ToolCall
from apps.identity import seeding as identity_seeding
from deltalabs.seeding import SeedContext

pytestmark = pytest.mark.django_db

UPSTREAM = ("identity", "catalog", "learning", "labs")


def _seed_upstream(ctx: SeedContext) -> None:
    for app in UPSTREAM:
        importlib.import_module(f"apps.{app}.seeding").seed(ctx)


def test_small_demo_plays_real_transcripts_once():
    ctx = SeedContext(size="small", show_progress=False)
    _seed_upstream(ctx)

    seeding.seed(ctx)

    conversations = list(Conversation.objects.all())
    assert len(conversations) == 3 and len({c.user_id for c in conversations}) == 3
    tools = set(ToolCall.objects.values_list("tool", flat=True))
    assert {"search_courses", "get_course", "enroll", "my_progress", "lab_availability", "book_lab"} <= tools
    assert {"add_to_cart", "view_cart"} <= tools
    # a refusal is part of the demo (a paid course: payment_required), and so are successes
    assert ToolCall.objects.filter(status="error", error__code="payment_required").exists()
    assert ToolCall.objects.filter(tool="book_lab", status="ok").exists()
    assert ToolCall.objects.filter(tool="enroll", status="ok").exists()

    # and a second run creates nothing
    counts = (Conversation.objects.count(), Message.objects.count(), ToolCall.objects.count())
    seeding.seed(ctx)
    assert (Conversation.objects.count(), Message.objects.count(), ToolCall.objects.count()) == counts


def test_medium_adds_synthetic_conversations_once():
    ctx = SeedContext(size="medium", show_progress=False)
    identity_seeding.seed(ctx)

    seeding.seed(ctx)

    wanted = ctx.scale.learners // 20
    assert Conversation.objects.count() == wanted
    assert ToolCall.objects.count() == wanted and Message.objects.count() == 3 * wanted
    seeding.seed(ctx)
    assert Conversation.objects.count() == wanted
