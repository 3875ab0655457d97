"""Figures worth computing once (the dashboard, the list filter menus), kept for a short
time in the cache the web workers share.

Aggregating 100,000 actions costs a good part of a second, and the dashboard is read far
more often than its figures change. So the figures are computed once and kept in the
cache (Redis in production, shared by the gunicorn workers; a cache in each process
otherwise) under a key made of what they depend on: the event in focus, the day, the
reader's language (labels and charts are translated) and the data *generation*.

How stale the figures can be:

- Every transaction that writes through the tracker (a web request, a command, a job)
  draws a new generation when it commits, so the next dashboard is computed afresh: a
  coordinator who validates an action sees it counted at once.
- Nothing is kept longer than `DASHBOARD_CACHE_SECONDS` (60 by default), which bounds
  the age of figures when the data changed some other way (SQL by hand, a restore), or
  when each worker keeps its own cache (no `CACHE_REDIS_URL`) and the change was made in
  another process. `0` turns the cache off.

The page prints when its figures were computed. A cache that fails (Redis down) is
logged and skipped: the figures are then computed on every request, as without a cache.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import current_app, g, has_app_context, has_request_context
from flask_babel import get_locale
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from tracker.extensions import cache
from tracker.models.types import utcnow

GENERATION_KEY = "data-generation"
# Tables written often that no figure reads: writing them does not make figures stale.
UNCOUNTED_TABLES = frozenset({"outbox_message", "used_token", "audit_entry", "api_token"})
# Columns no figure reads, written on every logout (the session generation): a row whose
# only changes are there is no change of data.
UNCOUNTED_COLUMNS = {"user": frozenset({"session_version"})}
_CHANGED = "tracker_data_changed"
_GENERATION = "tracker_data_generation"


def figures(name: str, parts: tuple, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Return the figures `compute` builds for `parts`, from the cache when still valid.

    The returned mapping holds `compute`'s entries plus `figures_computed_at`, the UTC
    time they were computed. `compute` must return plain, picklable values (no ORM
    objects: they would leave their session). Callers must not change it: the same
    mapping may serve several requests.
    """
    seconds = current_app.config["DASHBOARD_CACHE_SECONDS"]
    if seconds <= 0:
        return {**compute(), "figures_computed_at": utcnow()}
    try:
        locale = get_locale()
        key = ":".join(str(p) for p in (name, _generation(), locale or "", *parts))
        found = cache.get(key)
    except Exception:  # noqa: BLE001  (any backend failure: compute without the cache)
        current_app.logger.warning("figures cache unavailable", exc_info=True)
        return {**compute(), "figures_computed_at": utcnow()}
    if found is None:
        found = {**compute(), "figures_computed_at": utcnow()}
        try:
            cache.set(key, found, timeout=seconds)
        except Exception:  # noqa: BLE001
            current_app.logger.warning("figures cache unavailable", exc_info=True)
    return found


def _generation() -> str:
    """Return the data generation, read once per request (a list page reads two or three
    figures; each read of the cache is a round trip), else at each call."""
    if not has_request_context():
        return cache.get(GENERATION_KEY) or "0"
    if _GENERATION not in g:
        setattr(g, _GENERATION, cache.get(GENERATION_KEY) or "0")
    return getattr(g, _GENERATION)


def data_changed() -> None:
    """Make every cached figure stale: the next reader computes them afresh."""
    # A random token rather than a counter: it never expires and never repeats.
    generation = uuid.uuid4().hex
    if has_request_context():  # this request's own later figures see its change too
        setattr(g, _GENERATION, generation)
    try:
        cache.set(GENERATION_KEY, generation, timeout=0)
    except Exception:  # noqa: BLE001
        current_app.logger.warning("figures cache unavailable", exc_info=True)


def _counts(instances) -> bool:
    return any(getattr(obj, "__tablename__", None) not in UNCOUNTED_TABLES
               for obj in instances)


def _counts_changes(instances) -> bool:
    for obj in instances:
        ignored = UNCOUNTED_COLUMNS.get(getattr(obj, "__tablename__", None))
        if ignored is None:
            if _counts([obj]):
                return True
        elif any(attr.history.has_changes() for attr in inspect(obj).attrs
                 if attr.key not in ignored):
            return True
    return False


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, flush_context) -> None:
    if _counts(session.new) or _counts_changes(session.dirty) or _counts(session.deleted):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_statement(state) -> None:
    # INSERT/UPDATE/DELETE statements run through the session (bulk writes) skip the flush.
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) not in UNCOUNTED_TABLES:
            state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(_CHANGED, False) and has_app_context() \
            and current_app.config["DASHBOARD_CACHE_SECONDS"] > 0:
        data_changed()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_CHANGED, None)
