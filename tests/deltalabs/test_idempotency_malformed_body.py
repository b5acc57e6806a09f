"""A malformed body with an Idempotency-Key is refused, not run as ``{}``.

Found by the schemathesis run (tests/contract): the key's fingerprint read
``request.data`` first and swallowed the parse error; DRF then served the view
an empty body, so ``PATCH /v1/users/me`` with garbage answered 200.
"""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.deltalabs.probe_urls")]


@pytest.mark.parametrize(
    ("content_type", "status", "code"),
    [("application/json", 400, "validation_error"), ("text/plain", 415, "unsupported_media_type")],
)
def test_unparsable_body_with_key_is_refused(user_client, content_type, status, code):
    response = user_client.post(
        "/v1/_probe/counter", data=b"p(\xff{", content_type=content_type, HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert response.status_code == status, response.content
    assert response.json()["code"] == code


def test_profile_patch_with_garbage_is_a_validation_error(user_client):
    response = user_client.patch(
        "/v1/users/me", data=b"{display_name", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error"
