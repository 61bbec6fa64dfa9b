"""The REST API (/api/v1): bearer tokens with scopes, problem-details errors, OpenAPI 3.1."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Keep sessions and CSRF out of /api and log each token's requests."""
    from lms.api.problems import ApiAwareSessionInterface
    from lms.api.views import BEARER, bp, record_api_use
    from lms.extensions import csrf, rest_api

    rest_api.spec.components.security_scheme(
        BEARER, {"type": "http", "scheme": "bearer", "description": "An API token (lms_...)"}
    )

    app.session_interface = ApiAwareSessionInterface()
    csrf.exempt(bp)  # bearer tokens are not sent by browsers on their own: no CSRF to forge
    app.after_request(record_api_use)
