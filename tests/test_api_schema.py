"""The OpenAPI document validates, and schemathesis finds no 5xx, no schema violation, no leak."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate

from lms.api.services import SCOPES
from tests.api_world import bearer, build_world, make_token

# Per operation and token: enough to try each parameter's edges, within about a minute in all.
EXAMPLES = 12


def test_the_openapi_document_validates_and_lists_every_resource(client):
    response = client.get("/api/v1/openapi.json")
    spec = response.get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    assert "Set-Cookie" not in response.headers
    for path in (
        "/api/v1/users",
        "/api/v1/organizations/{organization_id}/members",
        "/api/v1/assignments",
        "/api/v1/enrolments",
        "/api/v1/completions",
        "/api/v1/claims",
        "/api/v1/certificates/{public_id}/pdf",
        "/api/v1/webinars/{webinar_id}/attendance",
        "/api/v1/webinars/{webinar_id}/registrations",
    ):
        assert path in spec["paths"], path


def _values(data: Any, key: str | None = None) -> list[tuple[str | None, Any]]:
    # Every (key, scalar) pair in a JSON document, however deep.
    if isinstance(data, dict):
        return [pair for k, v in data.items() for pair in _values(v, k)]
    if isinstance(data, list):
        return [pair for item in data for pair in _values(item, key)]
    return [(key, data)]


def test_schemathesis_finds_no_server_error_schema_violation_or_leak(
    app, client, auth, make_user, publish
):
    world = build_world(client, auth, make_user, publish)
    app.config["API_RATE_LIMIT"] = "1000000 per minute"
    a_people = [p for p in (world.learner, world.manager) if p is not None]
    own = {
        "a": (world.a, a_people),
        "b": (world.b, world.b_people),
    }
    # Tokens of two organizations, one scope each.
    tokens = {
        who: {scope: make_token(scope, organization=org) for scope in SCOPES}
        for who, (org, _people) in own.items()
    }

    def assert_no_leak(who: str, response: Any) -> None:
        other_org, other_people = own["b" if who == "a" else "a"]
        if not response.headers.get("Content-Type", "").startswith("application/json"):
            return
        pairs = _values(response.json())
        strings = {value for _key, value in pairs if isinstance(value, str)}
        forbidden = {other_org.name} | {p.email for p in other_people}
        forbidden |= {p.full_name for p in other_people}
        assert not strings & forbidden, (who, response.request.url, strings & forbidden)
        people_ids = {p.id for p in other_people}
        for key, value in pairs:
            if key == "user_id":
                assert value not in people_ids, (who, response.request.url, value)
            if key in ("organization_id", "owner_organization_id"):
                assert value != other_org.id, (who, response.request.url, value)

    def fuzz(operation: Any) -> None:
        scope = operation.definition.raw["security"][0]["bearerAuth"][0]

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            # The same examples on every run: a failure reproduces, and CI does not flicker.
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            for who in ("a", "b"):
                response = case.call_and_validate(headers=bearer(tokens[who][scope]))
                assert response.status_code < 500
                assert_no_leak(who, response)

        run()

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    tried = 0
    for result in schema.get_all_operations():
        fuzz(result.ok())
        tried += 1
    assert tried >= 17
