"""Request bodies of the API: JSON read with a bound on how deeply it nests.

Python's JSON reader recurses once per level, so a body nested some thousands deep
exhausts the interpreter's stack (RecursionError, a 500) before any schema sees it; and
no document of the API nests more than a few levels. A deeper body is a 400 problem.
"""

from __future__ import annotations

from typing import Any

import flask_smorest
from flask_babel import gettext as _
from webargs.flaskparser import FlaskParser

from tracker.api.problems import MALFORMED, Problem

MAX_DEPTH = 64


def depth(document: Any) -> int:
    """Return how many arrays or objects deep `document` nests (0 for a plain value).

    Walks with its own stack rather than by recursion, whatever the depth.
    """
    deepest, stack = 0, [(document, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _too_deep() -> Problem:
    return Problem(400, _("The JSON body nests too deeply (at most %(depth)d levels).",
                          depth=MAX_DEPTH), kind=MALFORMED)


class BoundedParser(FlaskParser):
    """The webargs parser of the API, refusing bodies nested deeper than MAX_DEPTH."""

    def _raw_load_json(self, req):
        try:
            document = super()._raw_load_json(req)
        except RecursionError:
            raise _too_deep() from None
        if depth(document) > MAX_DEPTH:
            raise _too_deep()
        return document


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint whose arguments are read by `BoundedParser`."""

    ARGUMENTS_PARSER = BoundedParser()
