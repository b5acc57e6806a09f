"""Cursor pagination: limits, bad cursors, ties, and cost independent of depth."""

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from apps.identity.models import User
from deltalabs.errors import ValidationFailed
from deltalabs.pagination import _sort_keys, decode_cursor, paginate, parse_limit

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.deltalabs.probe_urls")]


def make_users(count: int, *, display_name=None):
    User.objects.bulk_create(
        [User(email=f"p{n:05d}@example.test", display_name=display_name or f"name {n % 7}") for n in range(count)]
    )


def walk(client, limit: int, **params):
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": limit, **params}
        if cursor:
            query["cursor"] = cursor
        body = client.get("/v1/_probe/users", query).json()
        seen += [row["id"] for row in body["results"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, pages


def test_default_limit_is_20(user_client):
    make_users(30)
    body = user_client.get("/v1/_probe/users").json()
    assert len(body["results"]) == 20 and body["next_cursor"]


def test_limit_is_clamped_to_100(user_client):
    make_users(150)
    assert len(user_client.get("/v1/_probe/users", {"limit": 1000}).json()["results"]) == 100


@pytest.mark.parametrize("limit", ["0", "-3", "ten"])
def test_nonsense_limit_is_400(user_client, limit):
    response = user_client.get("/v1/_probe/users", {"limit": limit})
    assert response.status_code == 400 and response.json()["code"] == "validation_error"


@pytest.mark.parametrize(
    "cursor", ["garbage", "eyJvIjoieCJ9", "!!!", "eyJvIjoiZGlzcGxheV9uYW1lLGlkIiwidiI6WyJhIiwibm90LWEtdXVpZCJdfQ"]
)
def test_bad_cursor_is_400(user_client, cursor):
    response = user_client.get("/v1/_probe/users", {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["details"] == {"cursor": ["Invalid cursor."]}


def test_ties_are_stable_every_row_exactly_once(user_client):
    # given 95 users sharing only 7 distinct sort values (plus the caller)
    make_users(95)
    # when paging with a small limit
    seen, pages = walk(user_client, limit=7)
    # then every row appears once, in a stable order
    assert len(seen) == len(set(seen)) == User.objects.count()
    assert pages == 14
    assert seen == walk(user_client, limit=7)[0]


def test_same_query_count_on_page_1_and_page_50(user_client):
    make_users(1000)
    cursor = None
    for _ in range(49):
        cursor = user_client.get("/v1/_probe/users", {"limit": 20, **({"cursor": cursor} if cursor else {})}).json()[
            "next_cursor"
        ]
    with CaptureQueriesContext(connection) as first:
        user_client.get("/v1/_probe/users", {"limit": 20})
    with CaptureQueriesContext(connection) as fiftieth:
        body = user_client.get("/v1/_probe/users", {"limit": 20, "cursor": cursor}).json()
    assert body["results"]
    assert len(first) == len(fiftieth)


def test_deep_pages_skip_no_rows(monkeypatch):
    """Keyset, not offset: the query for a deep page starts at row 0 of its
    filtered set (no OFFSET in SQL, no $skip on MongoDB)."""
    make_users(30)
    first = paginate(User.objects.all(), ordering=["email"], cursor=None, limit=10)
    starts = []
    real_iter = QuerySet.__iter__

    def iterate(queryset):
        starts.append(queryset.query.low_mark)
        return real_iter(queryset)

    monkeypatch.setattr(QuerySet, "__iter__", iterate)
    paginate(User.objects.all(), ordering=["email"], cursor=first.next_cursor, limit=10)
    assert starts == [0]


def test_nullable_sort_keys_put_nulls_last_and_page_through_them():
    users = User.objects.bulk_create(
        [User(email=f"n{n}@example.test", display_name=f"n{n}", last_login=None) for n in range(5)]
    )
    User.objects.filter(pk__in=[u.pk for u in users[:2]]).update(last_login="2026-01-01T00:00:00Z")
    ids, cursor = [], None
    while True:
        page = paginate(User.objects.all(), ordering=["-last_login"], cursor=cursor, limit=2)
        ids += [u.pk for u in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(ids) == len(set(ids)) == 5
    assert set(ids[:2]) == {users[0].pk, users[1].pk}


def test_cursor_for_a_different_ordering_is_rejected():
    make_users(3)
    page = paginate(User.objects.all(), ordering=["display_name"], cursor=None, limit=1)
    with pytest.raises(ValidationFailed):
        decode_cursor(_sort_keys(User.objects.all(), ["email"]), page.next_cursor)


def test_parse_limit_defaults():
    assert parse_limit(None) == 20
    assert parse_limit("5") == 5
    assert parse_limit("101") == 100


@pytest.mark.parametrize(("asked", "served"), [(500, 100), (0, 1), (-3, 1)])
def test_paginate_clamps_every_caller_not_only_the_views(asked, served):
    # Services called directly (assistant tools, admin, commands) pass their
    # own limit; the paginator alone bounds it.
    make_users(101)
    page = paginate(User.objects.all(), ordering=["email"], cursor=None, limit=asked)
    assert len(page.items) == served and page.next_cursor
