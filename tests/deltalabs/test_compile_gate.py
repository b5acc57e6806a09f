"""The Mongo compile gate catches queries django-mongodb-backend cannot run (docs/architecture.md, Database portability)."""

import contextlib

import pytest
from django.db.models import Count

from apps.identity.models import RevokedToken, User
from deltalabs.testing import compile_gate
from tests.factories.identity import UserFactory

pytestmark = pytest.mark.django_db


def test_gate_is_enabled_on_sqlite():
    assert compile_gate.is_enabled()


@pytest.mark.no_compile_gate
def test_gate_records_extra_queries():
    # given a query shape MongoDB does not support
    list(User.objects.extra(select={"one": "1"}))
    # then the gate recorded it, naming the model and the reason
    failures = compile_gate.take_failures()
    assert len(failures) == 1
    assert failures[0].model == "identity.User"
    assert "extra() is not supported" in failures[0].error


@pytest.mark.no_compile_gate
def test_gate_records_cross_collection_updates():
    UserFactory()
    User.objects.filter(revoked_tokens__jti="x").update(bio="changed")
    failures = compile_gate.take_failures()
    assert failures and "multiple collections" in failures[0].error


@pytest.mark.no_compile_gate
def test_gate_records_pattern_lookups_on_uuid_keys():
    list(User.objects.filter(id__icontains="abc"))
    assert compile_gate.take_failures()


def test_supported_queries_pass_the_gate():
    user = UserFactory()
    RevokedToken.objects.create(jti="j1", user=user, expires_at=user.date_joined)
    list(User.objects.annotate(tokens=Count("revoked_tokens")).filter(tokens__gte=1))
    User.objects.filter(pk=user.pk).update(bio="fine")
    RevokedToken.objects.filter(user=user).delete()
    assert compile_gate.take_failures() == []


def test_a_failing_query_fails_the_test(pytester_like_failure=None):
    """The plugin turns recorded failures into a test failure."""
    from deltalabs.testing import pytest_plugin

    class Item:
        def get_closest_marker(self, name):
            return None

    hook = pytest_plugin.pytest_runtest_call(Item())
    next(hook)
    list(User.objects.extra(select={"one": "1"}))
    with pytest.raises(pytest.fail.Exception, match="Mongo compile gate"), contextlib.suppress(StopIteration):
        hook.send(None)
