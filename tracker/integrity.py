"""Flushes that turn the database's refusals of a concurrent save into the domain's own.

Versions: a service checks the version a form was based on (`check_version`); a save
committed between that check and the flush is caught by the version column
(`version_id_col`), which `flush` turns into the same `StaleVersion`.

Unique constraints: a service checks that a value is free (a recommendation number in
its event, an email, an institution code) before it writes; two requests checking at the
same moment both find it free, and the database's unique constraint refuses the second
on flush. `flush` turns that refusal into the same `DomainError` the check raises.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain import DomainError, StaleVersion
from tracker.extensions import db

_POSTGRES_KEY = re.compile(r"Key \((.*?)\)=")
_SQLITE_KEY = re.compile(r"UNIQUE constraint failed: (.*)")


def _violated_key(error: IntegrityError) -> str | None:
    """Return the columns of the unique key `error` reports as violated, as the database
    names them (PostgreSQL: "event_id, number"; SQLite: "recommendation.event_id, ...")."""
    diag = getattr(error.orig, "diag", None)
    if diag is not None:  # psycopg
        if diag.sqlstate != "23505":  # unique_violation
            return None
        match = _POSTGRES_KEY.match(diag.message_detail or "")
    else:
        match = _SQLITE_KEY.search(str(error.orig))
    return match.group(1) if match else None


def flush(stale: StaleVersion | None = None, duplicate: DomainError | None = None,
          key: tuple[str, ...] = ()) -> None:
    """Flush; raise `stale` when the version column shows a save made meanwhile, and
    `duplicate` when the flush breaks the unique key made of the columns `key`.

    Any other integrity error propagates unchanged. The session must then be rolled back,
    as after any refusal (`tracker.views.attempt` does).
    """
    try:
        db.session.flush()
    except StaleDataError as error:
        if stale is None:
            raise
        raise stale from error
    except IntegrityError as error:
        violated = _violated_key(error)
        names = {name.strip().split(".")[-1] for name in (violated or "").split(",")}
        if duplicate is not None and violated is not None and names == set(key):
            raise duplicate from error
        raise


def check_version(obj: Any, expected_version: int | None, refusal: StaleVersion) -> None:
    """Raise `refusal` when the change was based on another version of `obj` than its own.

    None means the caller vouches for the current version (a script, a test).
    """
    if expected_version is not None and expected_version != obj.version:
        raise refusal
