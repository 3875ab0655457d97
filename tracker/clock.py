"""The tracker's notion of "today", in the configured time zone.

`set_to` moves the whole process's clock to another moment for a while, ticking on from
there: `flask reminders run --date` uses it to plan and send a day's emails as the
scheduler would have on that day (every timestamp written meanwhile reads that day).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

# (the moment the clock was set to, time.monotonic() then), or None for the real time.
# Process-wide rather than per context: the delivery's lease thread reads it too.
_set_to: tuple[datetime, float] | None = None


def today() -> date:
    """Return today's date where the tracker's users are (TRACKER_TIMEZONE)."""
    return now().date()


def now() -> datetime:
    """Return the current time in the tracker's time zone."""
    return utcnow().astimezone(ZoneInfo(current_app.config["TRACKER_TIMEZONE"]))


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    if _set_to is None:
        return datetime.now(UTC)
    moment, started = _set_to
    return moment + timedelta(seconds=time.monotonic() - started)


@contextmanager
def set_to(moment: datetime) -> Iterator[None]:
    """Run the block as if it were `moment` (an aware datetime), the clock ticking on.

    Raises ValueError for a naive `moment`, whose zone would be a guess.
    """
    global _set_to
    if moment.tzinfo is None:
        raise ValueError("set the clock to an aware datetime")
    previous = _set_to
    _set_to = (moment.astimezone(UTC), time.monotonic())
    try:
        yield
    finally:
        _set_to = previous


def at_hour(day: date, hour: int) -> datetime:
    """Return `hour` o'clock on `day` in the tracker's time zone, as an aware UTC datetime."""
    zone = ZoneInfo(current_app.config["TRACKER_TIMEZONE"])
    return datetime(day.year, day.month, day.day, hour, tzinfo=zone).astimezone(UTC)
