"""RFC 9457 problem details: every API error, whatever raised it, as application/problem+json.

`init_app` asks the site's error handlers (`tracker.errors`) to answer every error of a
URL under the API prefix with `from_http_exception`: errors raised in views, URLs that
match no route (404) or not with this method (405), the database being unavailable (503)
and failures (500).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, json, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from tracker import errors
from tracker.urls import external_url

MEDIA_TYPE = "application/problem+json"

# Problem types the API defines; each is described on the documentation page, whose
# anchors they point to. Plain HTTP errors use "about:blank" (RFC 9457, 4.2.1).
VALIDATION = "validation-error"
MALFORMED = "malformed-request"
STALE_VERSION = "stale-version"
INVALID_CHANGE = "invalid-change"
PROBLEM_TYPES = {
    VALIDATION: "The request's parameters or body do not pass validation; `errors` "
                "lists each field and what is wrong with it.",
    MALFORMED: "The body is not valid JSON.",
    STALE_VERSION: "The update was based on a version of the action that is no longer "
                   "current: someone saved in between. Read the action again and retry "
                   "with its current `version` (also given as `current_version`).",
    INVALID_CHANGE: "The update breaks a rule of the follow-up (for instance, a validated "
                    "action can only be reopened by a coordinator, or nothing would be "
                    "recorded).",
}


class Problem(HTTPException):
    """An HTTP error with the members of its problem document.

    `kind` is one of PROBLEM_TYPES (None for a plain HTTP error); `errors` lists field
    errors as {"location", "field", "message"}; `extra` adds members to the document.
    """

    def __init__(self, status: int, detail: str | None = None, *, kind: str | None = None,
                 errors: list[dict[str, str]] | None = None, headers: dict | None = None,
                 **extra: Any) -> None:
        super().__init__(description=detail)
        self.code = status
        self.kind = kind
        self.errors = errors
        self.extra_headers = headers or {}
        self.extra = extra


def problem_type(kind: str | None) -> str:
    """Return the `type` URI of a problem kind: an anchor of the documentation page."""
    if kind is None:
        return "about:blank"
    return external_url("api_docs.docs") + "#problem-" + kind


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(status: int, detail: str | None = None, *, kind: str | None = None,
                     errors: list[dict[str, str]] | None = None,
                     headers: dict | None = None, **extra: Any) -> Response:
    """Build the problem document response."""
    body: dict[str, Any] = {
        "type": problem_type(kind),
        "title": _title(status) if kind is None else _kind_title(kind),
        "status": status,
        "detail": detail or _title(status),
        "instance": request.path,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    response = current_app.response_class(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _kind_title(kind: str) -> str:
    return {
        VALIDATION: "Validation failed",
        MALFORMED: "Malformed request",
        STALE_VERSION: "Stale version",
        INVALID_CHANGE: "Change not allowed",
    }[kind]


def field_errors(messages: Any, location: str = "", prefix: str = "") -> list[dict[str, str]]:
    """Flatten marshmallow/webargs error messages into a list of field errors."""
    errors: list[dict[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if not prefix and not location and key in ("json", "query", "path", "headers"):
                errors.extend(field_errors(value, location=str(key)))
                continue
            name = "" if key == "_schema" else str(key)
            errors.extend(field_errors(value, location, f"{prefix}.{name}" if prefix and name
                                       else prefix or name))
    elif isinstance(messages, list | tuple):
        for message in messages:
            if isinstance(message, dict | list | tuple):
                errors.extend(field_errors(message, location, prefix))
            else:
                errors.append({"location": location or "json", "field": prefix,
                               "message": str(message)})
    else:
        errors.append({"location": location or "json", "field": prefix, "message": str(messages)})
    return errors


def from_http_exception(error: HTTPException) -> Response:
    """Turn any HTTP error raised in the API into its problem document."""
    status = error.code or 500
    if isinstance(error, Problem):
        return problem_response(status, error.description, kind=error.kind, errors=error.errors,
                                headers=error.extra_headers, **error.extra)
    headers: dict[str, str] = {}
    data = getattr(error, "data", None) or {}  # webargs puts validation messages here
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    if getattr(error, "retry_after", None):  # 429 (throttled), 503 (database unavailable)
        headers["Retry-After"] = str(error.retry_after)
    if "messages" in data:
        errors = field_errors(data["messages"])
        if status == 400:
            return problem_response(400, _("The body is not valid JSON."), kind=MALFORMED,
                                    errors=errors, headers=headers)
        return problem_response(status, _("The request is not valid: see the errors."),
                                kind=VALIDATION, errors=errors, headers=headers)
    return problem_response(status, _detail(error), headers=headers)


def _detail(error: HTTPException) -> str:
    if getattr(error, "user_message", None):  # a refusal that explains itself
        return str(error.user_message)
    messages = {
        401: _("Send a valid API token: Authorization: Bearer <token>."),
        403: _("Your role or institution does not allow this."),
        404: _("Nothing here: check the address and the id."),
        405: _("This method is not allowed on this address."),
        413: _("The request body is too large."),
        415: _("Send the body as JSON (Content-Type: application/json)."),
        429: _("Too many requests: wait a little and try again."),
        500: _("The server failed to answer. The error is logged."),
        503: _("The database is unavailable. Try again in a few seconds."),
    }
    return messages.get(error.code or 500, _title(error.code or 500))


def init_app(app: Flask, prefix: str) -> None:
    """Answer every error of a URL under `prefix` as a problem document."""
    errors.answer_errors_under(app, prefix, from_http_exception)
