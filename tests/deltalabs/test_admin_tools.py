import csv
import io

import pytest
from django.contrib import messages

from apps.identity.models import User
from deltalabs.admin_tools import BULK_ACTION_MAX_MESSAGES, BULK_ACTION_MAX_ROWS, csv_rows, run_bulk_action
from deltalabs.errors import Conflict
from tests.factories.identity import UserFactory

pytestmark = pytest.mark.django_db


def test_csv_rows_streams_header_and_rows_following_relations():
    UserFactory(email="a@example.test", display_name="Ada")
    UserFactory(email="b@example.test", display_name="Bo")
    text = "".join(csv_rows(User.objects.order_by("email"), ["email", "display_name"]))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["email", "display_name"], ["a@example.test", "Ada"], ["b@example.test", "Bo"]]


class _Admin:
    """Collects what an action tells the user."""

    def __init__(self):
        self.said: list[tuple[int, str]] = []

    def message_user(self, request, message, level=messages.INFO):
        self.said.append((level, message))


def _make_users(count: int) -> None:
    User.objects.bulk_create([User(email=f"bulk{n:04d}@example.test", display_name="x") for n in range(count)])


def test_bulk_action_calls_the_service_per_row_and_reports_refusals_with_their_code():
    _make_users(3)
    refused_pk = User.objects.order_by("email").values_list("pk", flat=True)[1]
    called = []

    def call(pk):
        called.append(pk)
        if pk == refused_pk:
            raise Conflict("already_reviewed", "Already reviewed.")

    admin = _Admin()
    run_bulk_action(admin, None, User.objects.order_by("email"), call, verb="Approved", noun="user(s)")

    assert len(called) == 3
    assert admin.said == [
        (messages.SUCCESS, "Approved 2 user(s)."),
        (messages.WARNING, f"{refused_pk}: Already reviewed. (already_reviewed)"),
    ]


def test_bulk_action_is_bounded_and_says_what_it_left():
    _make_users(BULK_ACTION_MAX_ROWS + 5)
    called = []
    admin = _Admin()

    def refuse(pk):
        called.append(pk)
        raise Conflict("nope", "No.")

    run_bulk_action(admin, None, User.objects.all(), refuse, verb="Did")

    assert len(called) == BULK_ACTION_MAX_ROWS
    warnings = [text for level, text in admin.said if level == messages.WARNING]
    assert len(warnings) == BULK_ACTION_MAX_MESSAGES + 2
    assert warnings[-2] == f"...and {BULK_ACTION_MAX_ROWS - BULK_ACTION_MAX_MESSAGES} more refused."
    assert warnings[-1].startswith(f"Only the first {BULK_ACTION_MAX_ROWS} selected rows")
    assert admin.said[0] == (messages.INFO, "Did 0 row(s).")


def test_bulk_action_passes_the_fields_it_reads_and_lets_bugs_through():
    _make_users(1)
    seen = []
    run_bulk_action(
        _Admin(), None, User.objects.all(), lambda pk, email: seen.append(email), verb="x", fields=("pk", "email")
    )
    assert seen == ["bulk0000@example.test"]

    def broken(pk):
        raise RuntimeError("a bug, not a refusal")

    with pytest.raises(RuntimeError):
        run_bulk_action(_Admin(), None, User.objects.all(), broken, verb="x")
