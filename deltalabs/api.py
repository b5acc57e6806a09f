"""Building blocks every /v1/ view uses: base classes with Idempotency-Key
handling, the paginated response shape and the public-read permission."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from deltalabs import idempotency, inputs
from deltalabs.pagination import Page


class IdempotencyMixin:
    """Honours ``Idempotency-Key`` on every mutation; ``idempotency_required``
    lists the methods where the header is mandatory (and is what the schema
    documents). A view whose requirement depends on the request overrides
    ``requires_idempotency_key``."""

    idempotency_required: frozenset[str] = frozenset()

    def requires_idempotency_key(self, request) -> bool:
        return request.method in self.idempotency_required

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotency_claim = None
        if request.method not in idempotency.MUTATING_METHODS or not request.user.is_authenticated:
            return
        key = idempotency.read_key(request, required=self.requires_idempotency_key(request))
        if key is not None:
            self._idempotency_claim = idempotency.begin(request, key)

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.IdempotentReplay):
            return idempotency.replay_response(exc.record)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        claim = getattr(self, "_idempotency_claim", None)
        if claim is not None:
            self._idempotency_claim = None
            idempotency.finish(claim, response)
        return response


class InputBoundaryMixin:
    """The input boundary (``deltalabs.inputs``) for every view: after
    authentication, permissions and rate limits, the query string is checked
    and a mutation's body is parsed (and so checked) even when the view would
    not read it, so no hostile body reaches a view or is silently accepted."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        inputs.check_query(request.query_params)
        if request.method in idempotency.MUTATING_METHODS:
            request.data  # noqa: B018 - parsing is the check


class ApiView(IdempotencyMixin, InputBoundaryMixin, APIView):
    """Base class of every project API view."""


class NoStoreMixin:
    """For views whose answers carry credentials (access and refresh tokens):
    every response, errors and idempotent replays included, says no cache may
    keep it (``Cache-Control: no-store``; ``Pragma: no-cache`` for HTTP/1.0
    caches). List it before ``ApiView``."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


class PublicReadOnly(BasePermission):
    """Anyone may read (people browse before they sign up); writes need a user.
    A token that is sent must still be valid: authentication runs first."""

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or bool(request.user and request.user.is_authenticated)


def page_response(page: Page, serializer_class, *, context: dict | None = None) -> Response:
    return Response(
        {
            "results": serializer_class(page.items, many=True, context=context or {}).data,
            "next_cursor": page.next_cursor,
        }
    )


def query_data(request) -> dict[str, str]:
    """The query string as plain data for a query serializer.

    Given the ``QueryDict`` itself, DRF reads it like an HTML form, where an
    empty value means "not sent": ``?status=`` listed everything. The schema
    documents enums, UUIDs and dates, which an empty string is not, so it is a
    400 like any other invalid value. (A repeated parameter: the last wins.)
    """
    return request.query_params.dict()
