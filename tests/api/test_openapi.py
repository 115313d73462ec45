from __future__ import annotations

import pytest
from django.test import Client
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/me",
    "/api/v1/accounts",
    "/api/v1/accounts/{account_id}",
    "/api/v1/contacts",
    "/api/v1/contacts/{contact_id}",
    "/api/v1/contacts/{contact_id}/transitions",
    "/api/v1/campaigns",
    "/api/v1/campaigns/{campaign_id}",
    "/api/v1/touchpoints",
    "/api/v1/touchpoints/{touchpoint_id}",
    "/api/v1/touchpoints/batch",
    "/api/v1/opportunities",
    "/api/v1/opportunities/{opportunity_id}",
    "/api/v1/opportunities/{opportunity_id}/credit",
    "/api/v1/notifications",
    "/api/v1/notifications/{notification_id}/read",
    "/api/v1/notifications/read-all",
    "/api/v1/definitions",
    "/api/v1/definitions/{version_id}",
    "/api/v1/definitions/{version_id}/approve",
    "/api/v1/definitions/{version_id}/evaluate/{contact_id}",
}


@pytest.fixture
def schema() -> dict[str, object]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi(schema):
    validate(schema)


def test_schema_lists_every_path(schema):
    assert set(schema["paths"]) == PATHS


def test_schema_documents_the_error_responses(schema):
    create_contact = schema["paths"]["/api/v1/contacts"]["post"]
    transition = schema["paths"]["/api/v1/contacts/{contact_id}/transitions"]["post"]

    assert {"201", "401", "403", "404", "409", "422"} <= set(create_contact["responses"])
    assert "409" in transition["responses"]
    assert transition["summary"] == "Move a contact to another lifecycle stage"


def test_schema_declares_bearer_tokens(schema):
    schemes = schema["components"]["securitySchemes"]

    assert {"type": "http", "scheme": "bearer"} in schemes.values()


def test_interactive_docs_use_local_assets_not_a_cdn(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
