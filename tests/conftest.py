"""Shared fixtures: API clients signed in as various people, clean caches."""

from __future__ import annotations

import pytest
from celery._state import _set_task_join_will_block
from django.core.cache import caches
from rest_framework.test import APIClient

from apps.catalog.caching import forget_list_page_copies
from apps.identity.services import tokens_for
from tests.factories.identity import StaffFactory, UserFactory


@pytest.fixture(autouse=True)
def _reset_celery_join_guard():
    """Eager tasks run from several threads at once (concurrency tests) race on
    Celery's process-global "inside a task" flag and can leave it set, which
    would make later ``result.get()`` calls refuse to run. Start each test clean."""
    _set_task_join_will_block(False)
    yield


@pytest.fixture(autouse=True)
def _clean_caches():
    """Each test starts with empty caches, rate-limit counters and idempotency
    records, and no worker-local copy of a list page."""
    for alias in ("default", "strict"):
        caches[alias].clear()
    forget_list_page_copies()
    yield


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user).access}")
    return client


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return StaffFactory()


@pytest.fixture
def user_client(user) -> APIClient:
    return client_for(user)


@pytest.fixture
def other_client(other_user) -> APIClient:
    return client_for(other_user)


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    return client_for(staff_user)
