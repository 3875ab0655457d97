"""Whole numbers read from URLs and query strings: ids, page numbers, integer filters
(and days, YYYY-MM-DD, for date filters).

One reading for all of them: ASCII digits only (Python's `isdigit` also accepts "²" and
Arabic-Indic digits, which `int` then refuses or reads), from 1 up to the largest id a
32-bit integer column holds, so no value read here ever overflows a database integer.
"""

from __future__ import annotations

from datetime import date

from flask import Flask
from werkzeug.routing import IntegerConverter, Map, ValidationError

MAX_INT = 2**31 - 1  # the id columns are 32-bit integers on PostgreSQL


def positive_int(value: str | None, maximum: int = MAX_INT) -> int | None:
    """Return the whole number from 1 to `maximum` that `value` spells, or None.

    `value` must be ASCII digits only: no sign, no blank, no other script's digits.
    """
    if not value or not value.isascii() or not value.isdigit():
        return None
    digits = value.lstrip("0")
    # Compare lengths first: `int` of a very long string is slow, then refused.
    if not digits or len(digits) > len(str(maximum)):
        return None
    number = int(digits)
    return number if number <= maximum else None


def iso_day(value: str | None) -> date | None:
    """Return the day `value` spells as YYYY-MM-DD (ASCII digits), or None.

    Anything else, a valid-looking day that does not exist included, reads as None.
    """
    if not value or len(value) != 10 or not value.isascii() \
            or not value.replace("-", "").isdigit():
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def page_number(value: str | None) -> int:
    """Return the page number `value` asks for, 1 when it asks for none.

    Anything but a positive whole number reads as page 1. A number past the bound reads
    as the bound: a page past the end, empty like any other, never an overflow.
    """
    number = positive_int(value)
    if number is not None:
        return number
    if value and value.isascii() and value.isdigit() and value.strip("0"):
        return MAX_INT
    return 1


class IdConverter(IntegerConverter):
    """The URL converter for ids (`<id:action_id>`): a larger id cannot exist, so is a 404.

    Werkzeug's `int` converter would hand 99999999999999999999 to the database, which
    refuses it with an error, and would read other scripts' digits.
    """

    regex = r"[0-9]+"

    def __init__(self, map: Map) -> None:
        super().__init__(map, min=1, max=MAX_INT)

    def to_python(self, value: str) -> int:
        number = positive_int(value)
        if number is None:
            raise ValidationError()
        return number


def init_app(app: Flask) -> None:
    """Register the `id` URL converter; call it before any blueprint is registered."""
    app.url_map.converters["id"] = IdConverter
