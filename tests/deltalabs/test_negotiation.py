"""``Accept`` (docs/api.md, Versioning): the v1 vendor media type is JSON v1;
what the API cannot serve is 406 with the error body."""

import pytest

from deltalabs.negotiation import as_served_type
from tests.factories.catalog import CourseFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "accept",
    [
        "application/vnd.deltalabs.v1+json",
        "Application/VND.Deltalabs.V1+JSON",
        "application/vnd.deltalabs.v1+json; q=0.9",
        "text/html, application/vnd.deltalabs.v1+json;q=0.5",
        "application/json",
        "*/*",
    ],
)
def test_json_v1_is_served(api_client, accept):
    course = CourseFactory()
    plain = api_client.get(f"/v1/courses/{course.pk}").content
    response = api_client.get(f"/v1/courses/{course.pk}", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == plain


def test_vendor_type_on_an_error_and_a_mutation(api_client):
    vendor = {"HTTP_ACCEPT": "application/vnd.deltalabs.v1+json"}
    response = api_client.get("/v1/users/me", **vendor)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    response = api_client.post("/v1/auth/login", {"email": "a@example.test", "password": "x"}, format="json", **vendor)
    assert response.status_code == 401 and response.json()["code"] == "invalid_credentials"


@pytest.mark.parametrize(
    "accept", ["application/vnd.deltalabs.v2+json", "application/vnd.deltalabs+json", "text/html", "application/xml"]
)
def test_what_cannot_be_served_is_406_with_the_error_body(api_client, accept):
    response = api_client.get("/v1/courses", HTTP_ACCEPT=accept)
    assert response.status_code == 406
    body = response.json()
    assert body["code"] == "not_acceptable" and body["requestId"] == response["X-Request-ID"]


def test_only_the_v1_vendor_type_is_rewritten():
    assert as_served_type("application/vnd.deltalabs.v1+json;indent=2") == "application/json;indent=2"
    assert as_served_type("application/vnd.deltalabs.v2+json") == "application/vnd.deltalabs.v2+json"
    assert as_served_type("text/html") == "text/html"


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
@pytest.mark.parametrize("query", ["", "?format=json", "?format=api"])
def test_the_plain_accept_shortcut_is_what_drf_concludes(rf, accept, query):
    """``ContentNegotiation`` answers the common Accept headers without parsing
    them; for every API view's renderers the answer is DRF's own."""
    from rest_framework.negotiation import DefaultContentNegotiation
    from rest_framework.request import Request
    from rest_framework.settings import api_settings

    from deltalabs.negotiation import ContentNegotiation

    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(rf.get(f"/v1/courses{query}", **headers))
    renderers = [renderer() for renderer in api_settings.DEFAULT_RENDERER_CLASSES]

    def outcome(negotiation):
        try:
            renderer, media_type = negotiation.select_renderer(request, renderers)
        except Exception as error:  # the outcome compared may be a refusal (404 for ?format=api)
            return type(error).__name__
        return type(renderer), media_type

    assert outcome(ContentNegotiation()) == outcome(DefaultContentNegotiation())
