"""Which characters a text typed by a person may hold: one rule for forms, query strings
and the API.

Control characters are never meant in a text (and PostgreSQL refuses NUL in one); a text
of several lines keeps its tabs and line breaks. A single line (a title, a name, a
subject, a search) also refuses line breaks and the invisible characters that override
the direction of the text around them (U+202A–U+202E, U+2066–U+2069), which can make a
name read as another in a list or an email.
"""

from __future__ import annotations

import re

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest

# C0 controls but tab, line feed and carriage return; DEL; C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile("[\t\n\r\u2028\u2029]")
_BIDI_OVERRIDE = re.compile("[\u202a-\u202e\u2066-\u2069]")

CONTROL_MESSAGE = _l("This text holds a control character (such as NUL), which is not "
                     "allowed: remove it.")
LINE_BREAK_MESSAGE = _l("This text must fit on a single line, without tabs or line breaks.")
BIDI_MESSAGE = _l("This text holds an invisible character that changes the direction of "
                  "the text, which is not allowed here: remove it.")
QUERY_MESSAGE = _l("The address holds a character that is not allowed in a search or a "
                   "filter (a control, line-break or text-direction character).")


def text_problem(value: str, multiline: bool = False) -> str | None:
    """Return why `value` may not be stored as a text, or None when it may.

    `multiline` texts (descriptions, comments) keep tabs, line breaks and direction marks.
    """
    if _CONTROL.search(value):
        return str(CONTROL_MESSAGE)
    if multiline:
        return None
    if _LINE_BREAK.search(value):
        return str(LINE_BREAK_MESSAGE)
    if _BIDI_OVERRIDE.search(value):
        return str(BIDI_MESSAGE)
    return None


def without_refused(value: str, multiline: bool = False) -> str:
    """Return `value` without what `text_problem` refuses, for text the tracker receives
    rather than asks for (an email's subject and body): a reply cannot be sent back to be
    corrected, and PostgreSQL stores no NUL. Line breaks and direction marks become spaces
    in a one-line text."""
    value = _CONTROL.sub("", value)
    if multiline:
        return value
    return _BIDI_OVERRIDE.sub("", _LINE_BREAK.sub(" ", value))


class UnreadableQuery(BadRequest):
    """A query string holding a text the rule refuses; the error page shows `user_message`."""

    user_message = QUERY_MESSAGE

    def __init__(self) -> None:
        super().__init__(description=str(QUERY_MESSAGE))


def _check_query_string() -> None:
    if request.blueprint == "api":
        return  # its schemas check each parameter by this rule and name it in a 422
    for key, values in request.args.lists():
        if any(text_problem(text) for text in (key, *values)):
            raise UnreadableQuery()


def init_app(app: Flask) -> None:
    """Refuse (400) every request whose query string holds a text that breaks the rule.

    Every query parameter of the site is a single line (a search, a filter, a page
    number), so they are all checked here, before any view reads them.
    """
    app.before_request(_check_query_string)
