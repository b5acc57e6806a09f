"""Health probes and the OpenAPI documents (docs/api.md, Health and documentation)."""

import pytest

pytestmark = pytest.mark.django_db


def test_healthz(api_client):
    response = api_client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_checks_database(api_client):
    response = api_client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def test_schema_documents_error_body_and_idempotency_header(api_client):
    response = api_client.get("/v1/schema", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"code", "message", "requestId"}
    login = schema["paths"]["/v1/auth/login"]["post"]
    assert {"400", "401", "429", "500"} <= set(login["responses"])
    assert login["responses"]["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "Retry-After" in login["responses"]["429"]["headers"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in login["parameters"])
    assert all(path.startswith("/v1/") for path in schema["paths"])


@pytest.mark.parametrize("path", ["/v1/docs", "/v1/redoc"])
def test_docs_are_served_from_local_static_files(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html
