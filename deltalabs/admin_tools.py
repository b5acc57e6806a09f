"""Admin helpers shared by every app: bulk actions that call a service per
row, and streamed CSV export of the filtered changelist."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.contrib import admin, messages
from django.http import StreamingHttpResponse
from django.utils import timezone

from deltalabs.errors import ApplicationError
from deltalabs.text import clean_text

# A bulk action runs one service call per selected row, each with its own
# transaction, emails and perhaps a provider call (refunds): bounded, so a
# "select all" over a large table cannot hold a request for minutes. The
# rest is left for another click, and the message says so.
BULK_ACTION_MAX_ROWS = 200
# Refusals are listed one by one up to this many; the rest are counted.
BULK_ACTION_MAX_MESSAGES = 20


def run_bulk_action(
    modeladmin,
    request,
    queryset,
    call: Callable[..., Any],
    *,
    verb: str,
    noun: str = "row(s)",
    fields: Sequence[str] = ("pk",),
) -> None:
    """The body of every admin action that changes rows: ``call(*values)``
    for each selected row (``fields`` read with one ``values_list``; services
    load and check their own row), at most ``BULK_ACTION_MAX_ROWS`` of them.

    A domain refusal (``ApplicationError``) skips that row and is reported
    with its code; anything else is a bug and propagates. Reports
    "``{verb} {count} {noun}.``", then the refusals, then what was left.
    """
    rows = list(queryset.values_list(*fields)[: BULK_ACTION_MAX_ROWS + 1])
    left_over = len(rows) > BULK_ACTION_MAX_ROWS
    done, refused = 0, []
    for row in rows[:BULK_ACTION_MAX_ROWS]:
        try:
            call(*row)
        except ApplicationError as exc:
            refused.append(f"{row[0]}: {exc.message} ({exc.code})")
        else:
            done += 1
    modeladmin.message_user(request, f"{verb} {done} {noun}.", messages.SUCCESS if done else messages.INFO)
    for line in refused[:BULK_ACTION_MAX_MESSAGES]:
        modeladmin.message_user(request, line, messages.WARNING)
    if len(refused) > BULK_ACTION_MAX_MESSAGES:
        modeladmin.message_user(
            request, f"...and {len(refused) - BULK_ACTION_MAX_MESSAGES} more refused.", messages.WARNING
        )
    if left_over:
        modeladmin.message_user(
            request,
            f"Only the first {BULK_ACTION_MAX_ROWS} selected rows were processed; run the action again for the rest.",
            messages.WARNING,
        )


class _Echo:
    """A write-only file object: csv.writer hands each row straight back."""

    def write(self, value: str) -> str:
        return value


def _resolve(obj, path: str):
    value = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
        if callable(value):
            value = value()
    return value


def csv_rows(queryset, fields: Sequence[str], *, chunk_size: int = 2000) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(fields)
    for obj in queryset.iterator(chunk_size=chunk_size):
        yield clean_text(writer.writerow([_resolve(obj, field) for field in fields]))


def export_csv_action(fields: Sequence[str], *, name: str = "export_csv") -> Callable:
    """An admin action streaming the selected (or all filtered) rows as CSV.

    Rows are read with ``iterator()`` so memory stays flat however many rows
    are exported. ``fields`` may follow relations with ``__`` (``user__email``).
    """

    @admin.action(description="Export selected rows as CSV")
    def action(modeladmin, request, queryset):
        filename = f"{modeladmin.model._meta.model_name}-{timezone.now():%Y%m%d-%H%M%S}.csv"
        response = StreamingHttpResponse(csv_rows(queryset, fields), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    action.__name__ = name
    return action
