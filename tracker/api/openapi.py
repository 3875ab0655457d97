"""The flask-smorest Api, adapted to the tracker: problem documents and bearer tokens.

flask-smorest would answer every HTTP error of the whole site in JSON; here the site's
error handlers answer problem documents for the API's URLs only (see problems.py), and
the error responses are documented as application/problem+json.
"""

from __future__ import annotations

import http

from flask_smorest import Api

from tracker.api.problems import MEDIA_TYPE
from tracker.api.schemas import ProblemSchema

TITLE = "Recommendation tracker API"
VERSION = "1"
DESCRIPTION = """\
Read the events, recommendations and actions the tracker follows, with the same filters
as the web lists, and record progress updates on actions.

**Authentication.** Create a personal API token on your profile page and send it with
every request: `Authorization: Bearer <token>`. A token acts as you, with your role and
institution: a focal point updates the actions they own or their institution leads, a
viewer only reads. Revoke a token on the same page; a deactivated account's tokens stop
working at once.

**Updates.** Send the action's `version` with each update. If someone saved the action
in between, the update is refused with 409 and nothing is written: read the action
again and retry.

**Errors** are RFC 9457 problem documents (`application/problem+json`).
"""


class TrackerApi(Api):
    """The API extension with problem-document errors and bearer-token security."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app=None):
        super().__init__(app, spec_kwargs={
            "title": TITLE,
            "version": VERSION,
            "openapi_version": "3.0.3",
            "info": {"description": DESCRIPTION},
            "components": {"securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "A personal API token, created on the profile page."}}},
            "security": [{"bearerAuth": []}],
        })

    def _register_error_handlers(self):
        """Leave the site's error pages alone: they answer the API's URLs as problems."""

    def _register_pagination_header(self):
        """Document no X-Pagination header: list pages carry their totals and links."""

    def _register_responses(self):
        """Document every error response as a problem document."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["content"] = {MEDIA_TYPE: {"schema": self.ERROR_SCHEMA}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, {
            "description": "An error, as a problem document.",
            "content": {MEDIA_TYPE: {"schema": self.ERROR_SCHEMA}},
        }, lazy=True)
