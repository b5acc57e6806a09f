"""A URL conf with probe views that exercise the shared API machinery
(errors, pagination, idempotency) independent of any domain."""

import threading

from django.urls import path
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.response import Response

from apps.identity.models import User
from apps.identity.outputs import UserSerializer
from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urls
from deltalabs.api import ApiView, page_response
from deltalabs.pagination import page_args, paginate


class Calls:
    """Side-effect counter the tests inspect."""

    lock = threading.Lock()
    count = 0
    release = threading.Event()
    entered = threading.Event()
    flaky_failures = 0

    @classmethod
    def reset(cls):
        cls.count = 0
        cls.release = threading.Event()
        cls.entered = threading.Event()
        cls.flaky_failures = 0

    @classmethod
    def bump(cls) -> int:
        with cls.lock:
            cls.count += 1
            return cls.count


class BoomView(ApiView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("secret internals: password=hunter2")


class StaffOnlyView(ApiView):
    permission_classes = [IsAdminUser]

    def get(self, request):
        return Response({"ok": True})


class UsersView(ApiView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        page = paginate(User.objects.all(), ordering=["display_name"], **page_args(request))
        return page_response(page, UserSerializer)


class CounterView(ApiView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        return Response({"count": Calls.bump(), "echo": request.data}, status=201)


class RequiredKeyView(CounterView):
    idempotency_required = frozenset({"POST"})


class SlowView(ApiView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        Calls.entered.set()
        Calls.release.wait(timeout=10)
        return Response({"count": Calls.bump()}, status=201)


class FlakyView(ApiView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        if Calls.flaky_failures == 0:
            Calls.flaky_failures += 1
            raise RuntimeError("transient failure")
        return Response({"count": Calls.bump()}, status=201)


urlpatterns = [
    path("v1/_probe/boom", BoomView.as_view()),
    path("v1/_probe/staff-only", StaffOnlyView.as_view()),
    path("v1/_probe/users", UsersView.as_view()),
    path("v1/_probe/counter", CounterView.as_view()),
    path("v1/_probe/required", RequiredKeyView.as_view()),
    path("v1/_probe/slow", SlowView.as_view()),
    path("v1/_probe/flaky", FlakyView.as_view()),
    *project_urls,
]
