"""Working days: the days reminders go out on, and the admin's list of extra closed days.

A day is closed when it is a weekend day (WEEKEND_DAYS), a public holiday of
HOLIDAY_COUNTRY as the `holidays` library knows it, or a day an admin listed. Planning,
composing the daily emails and the scheduler all ask `working_day`; what falls due on a
closed day goes out on the next working day (see tracker.reminders.jobs).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker import audit, integrity
from tracker.domain import InvalidChange
from tracker.extensions import db
from tracker.models import ClosedDay, User

# Closed days in a row beyond which next_working_day gives up: a misconfiguration
# (every weekday a weekend day) rather than a calendar.
LONGEST_CLOSURE_DAYS = 366


@lru_cache(maxsize=64)
def _holidays(country: str, year: int, language: str) -> dict[date, str]:
    # Tunisia's Islamic holidays follow the moon: the library estimates them, which is
    # fine to skip a reminder by, and an admin can add the day the state announces.
    import holidays  # 16 MB of country tables: loaded where a holiday is asked for

    return dict(holidays.country_holidays(country, years=year, language=language).items())


def public_holidays(year: int, locale: str = "en") -> dict[date, str]:
    """Return the public holidays of HOLIDAY_COUNTRY in `year`, named in `locale` where the
    library has it (else in English); empty without a country."""
    country = current_app.config["HOLIDAY_COUNTRY"]
    if not country:
        return {}
    return _holidays(country, year, "ar" if locale == "ar" else "en_US")


def closed_reason(day: date) -> str | None:
    """Return why no reminder goes out on `day` (weekend, holiday's name, admin's label),
    or None on a working day."""
    if day.weekday() in current_app.config["WEEKEND_DAYS"]:
        return "weekend"
    holiday = public_holidays(day.year).get(day)
    if holiday:
        return holiday
    return db.session.scalar(select(ClosedDay.label).where(ClosedDay.day == day))


def working_day(day: date) -> bool:
    """Tell whether reminders go out on `day`: not a weekend day, not a public holiday of
    HOLIDAY_COUNTRY, not an extra closed day."""
    return closed_reason(day) is None


def next_working_day(day: date) -> date:
    """Return `day` if it is a working day, else the first working day after it."""
    for offset in range(LONGEST_CLOSURE_DAYS):
        if working_day(day + timedelta(days=offset)):
            return day + timedelta(days=offset)
    raise RuntimeError("no working day in a year: check WEEKEND_DAYS and the closed days")


def closed_days(start: date) -> list[ClosedDay]:
    """Return the extra closed days from `start` on, earliest first."""
    return list(db.session.scalars(
        select(ClosedDay).where(ClosedDay.day >= start).order_by(ClosedDay.day)))


class DayAlreadyClosed(InvalidChange):
    """The day is already on the list of closed days."""

    default_message = _l("This day is already on the list of closed days.")


def add_closed_day(actor: User, day: date, label: str) -> ClosedDay:
    """Add `day` to the extra closed days under `label` (flushed, audited).

    Raises DayAlreadyClosed if it is listed already (also when another admin added it
    at the same moment: the unique key refuses it as the check does).
    """
    if db.session.scalar(select(ClosedDay.id).where(ClosedDay.day == day)):
        raise DayAlreadyClosed(field="day")
    closed = ClosedDay(day=day, label=label, created_by=actor)
    db.session.add(closed)
    integrity.flush(duplicate=DayAlreadyClosed(field="day"), key=("day",))
    audit.record(actor, "create", closed, {"day": [None, day.isoformat()],
                                           "label": [None, label]})
    return closed


def remove_closed_day(actor: User, closed: ClosedDay) -> None:
    """Take `closed` off the list: reminders go out on that day again (flushed, audited)."""
    audit.record(actor, "delete", closed, {"day": [closed.day.isoformat(), None],
                                           "label": [closed.label, None]})
    db.session.delete(closed)
    db.session.flush()
