"""Numbers as people type them and as spreadsheets read them."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

# Numeric(18, 4) holds 14 digits before the decimal point.
MAX_MAGNITUDE = 10**14
NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def parse_number(text: str) -> float:
    """Read a number as people type it: "12", "-3.5", "12,5" or "1 234,5".

    Raises ValueError, with a message for the user, for anything else (including "nan",
    "inf" and numbers too large to store).
    """
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text)
    if "," in cleaned and "." not in cleaned and cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    if not NUMBER_RE.fullmatch(cleaned):
        raise ValueError(_l("Enter a number, such as 12 or 12.5."))
    value = float(cleaned)
    if abs(value) >= MAX_MAGNITUDE:
        raise ValueError(_l("This number is too large."))
    return value


def plain_number(value: float) -> str:
    """Return a value as spreadsheets read it: no grouping, a dot, at most four decimals."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
