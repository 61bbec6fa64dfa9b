"""RFC 9457 problem details for every API error, and an API that never touches the session.

The OpenAPI document comes from flask-smorest: it is an extension on the plain Flask app (apiflask
needs its own Flask subclass), documents marshmallow schemas the views also serialise with, and is
kept by the marshmallow maintainers. Its app-wide JSON error handler is left out: the site's HTML
error pages stay, and /api gets problem details from lms.errors.
"""

from __future__ import annotations

import http
from typing import Any

from flask import Flask, Request, Response, current_app, json, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api/"


class ProblemSchema(Schema):
    """An RFC 9457 problem details object."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict(metadata={"description": "Invalid parameters, by location and name."})


class ProblemApi(Api):
    """flask-smorest's Api documenting errors as problem+json and leaving error pages alone."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        # lms.errors answers /api errors with problem details and every other path with pages.
        pass

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error, as RFC 9457 problem details", "schema": ProblemSchema}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def is_api_request() -> bool:
    """Return whether the current request is for the API."""
    return request.path.startswith(API_PREFIX)


def problem_response(error: HTTPException) -> Response:
    """Return an RFC 9457 problem details response for an HTTP error."""
    code = error.code or 500
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": http.HTTPStatus(code).phrase,
        "status": code,
        "instance": request.path,
    }
    data = getattr(error, "data", None) or {}
    if code < 500:
        detail = data.get("message") or (error.description if error.description else None)
        if detail:
            body["detail"] = str(detail)
        if data.get("errors") or data.get("messages"):
            body["errors"] = data.get("errors") or data.get("messages")
    response = current_app.response_class(json.dumps(body), status=code, mimetype=PROBLEM_JSON)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    for name, value in error.get_headers():
        if name in ("Allow", "Retry-After"):
            response.headers[name] = value
    return response


class ApiAwareSessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, except that /api requests neither read nor write one.

    A browser's session cookie must never authenticate an API call (no CSRF is checked there),
    and API responses set no cookies, not even a session refresh.
    """

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        """Open the cookie session, or an empty one for /api."""
        if request.path.startswith(API_PREFIX):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Save the cookie session, except for /api."""
        if request.path.startswith(API_PREFIX):
            return
        super().save_session(app, session, response)
