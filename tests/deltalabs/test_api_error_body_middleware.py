"""``ApiErrorBodyMiddleware``: Django's own error pages never reach an API client,
whatever DEBUG says (docs/api.md, Errors). The same cases over real HTTP are in
``test_servers_keep_the_error_contract.py``; these cover what a real server cannot
be made to do on purpose (a view outside DRF that fails, a failing error page)."""

from __future__ import annotations

import json

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import path
from django.views import View

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urls
from deltalabs.middleware import ApiErrorBodyMiddleware


def plain_boom(request):
    raise RuntimeError("secret internals: password=hunter2")


def plain_teapot(request):
    return HttpResponse("<html><body>I am a teapot</body></html>", status=418)


class GetOnly(View):
    def get(self, request):
        return HttpResponse("ok")


urlpatterns = [
    path("v1/_plain/boom", plain_boom),
    path("v1/_plain/teapot", plain_teapot),
    path("v1/_plain/get-only", GetOnly.as_view()),
    path("elsewhere/boom", plain_boom),
    *project_urls,
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture(params=[True, False], ids=["debug", "no-debug"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def assert_error_body(response, status, code):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code and body["message"]
    assert body["requestId"] == response["X-Request-ID"]
    text = response.content.decode()
    assert "hunter2" not in text and "Traceback" not in text and "<html" not in text
    return body


def test_a_crash_outside_drf_is_the_json_internal_error(client, debug):
    assert_error_body(client.get("/v1/_plain/boom"), 500, "internal_error")


def test_a_non_json_error_page_under_the_api_becomes_the_error_body(client, debug):
    assert_error_body(client.get("/v1/_plain/teapot"), 418, "validation_error")


def test_the_replacement_keeps_the_original_headers(client, debug):
    response = client.post("/v1/_plain/get-only")
    assert_error_body(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_unknown_api_paths_are_json_under_debug(client, debug):
    for path_ in ("/v1/nope", "/v1/", "/v1", "/v1/courses/NOT-A-UUID", "/v1/courses/"):
        assert_error_body(client.get(path_), 404, "not_found")


def test_a_disallowed_host_is_a_json_bad_request(client, debug):
    for path_ in ("/v1/courses", "/admin/", "/"):
        body = assert_error_body(client.get(path_, HTTP_HOST="evil.example"), 400, "validation_error")
        assert "evil.example" not in body["message"]


def test_outside_the_api_django_keeps_its_pages(client, settings):
    settings.DEBUG = True
    response = client.get("/elsewhere/boom")
    assert response.status_code == 500 and response["Content-Type"].startswith("text/html")
    assert client.get("/no-such-page").status_code == 404


def test_an_exception_that_escaped_the_error_pages_is_the_json_internal_error(caplog):
    def failing_error_page(request):
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")

    middleware = ApiErrorBodyMiddleware(failing_error_page)
    response = middleware(RequestFactory().get("/v1/courses"))
    assert response.status_code == 500 and json.loads(response.content)["code"] == "internal_error"
    assert "Unhandled error outside the API views" in caplog.text
