"""Every API error is JSON: {"error": <code>, "message": <for people>}, plus "field" when one
field of the input is at fault, with the status that says what happened."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from werkzeug.exceptions import HTTPException

from ..errors import limiter_retry_after
from ..extensions import db
from . import bp

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


class ApiError(Exception):
    def __init__(
        self, status: int, message: str, *, error: str | None = None, field: str | None = None,
        headers: dict[str, str] | None = None, **extra: Any,
    ):  # fmt: skip
        super().__init__(message)
        self.status = status
        self.error = error or CODES.get(status, "error")
        self.message = message
        self.field = field
        self.headers = headers or {}
        self.extra = extra


def bad_field(field: str, message: str) -> ApiError:
    return ApiError(400, message, error="invalid", field=field)


def unauthorized(message: str) -> ApiError:
    return ApiError(401, message, headers={"WWW-Authenticate": 'Bearer realm="api"'})


@bp.errorhandler(ApiError)
def handle_api_error(error: ApiError):
    db.session.rollback()
    body: dict[str, Any] = {"error": error.error, "message": error.message}
    if error.field:
        body["field"] = error.field
    body.update(error.extra)
    return jsonify(body), error.status, error.headers


@bp.errorhandler(HTTPException)
def handle_http_error(error: HTTPException):
    """Errors raised by Flask, Werkzeug or the limiter inside the API, in the API's shape."""
    code = error.code or 500
    if code < 400:
        return error
    headers: dict[str, str] = {}
    message = error.description or ""
    if code == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    if code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if code == 413:
        message = "The request body is larger than this server accepts."
    if code == 429:
        retry = limiter_retry_after()
        headers["Retry-After"] = str(retry or 60)
        message = f"Too many requests with this token. Try again in {retry or 60} seconds."
    return jsonify(error=CODES.get(code, "error"), message=message), code, headers
