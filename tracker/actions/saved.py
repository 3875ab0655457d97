"""Saved views of the action list: a coordinator names the filters of a list to find it again.

A view is personal, or shared with every coordinator; only its author deletes it. Like
every other domain operation here, these flush and never commit.
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from tracker import audit
from tracker.actions.queries import ActionFilters
from tracker.cache import figures
from tracker.domain import DomainError, InvalidChange
from tracker.extensions import db
from tracker.models import SavedView, User
from tracker.permissions import can_manage


class NotYours(DomainError):
    """Someone else's view: only its author deletes it."""

    default_message = _l("Only the person who saved this view can delete it.")


def normalised_query(query: str) -> str:
    """Return the list's query string as the filters read it (anything else left out)."""
    return urlencode(ActionFilters.from_args(MultiDict(parse_qsl(query))).to_args())


class ViewLink(NamedTuple):
    """A saved view as the list shows it: its link, and who saved it."""

    id: int
    name: str
    query: str
    shared: bool
    owner_id: int
    owner_name: str


def views_for(user: User) -> list[ViewLink]:
    """Return the views `user` may open: their own and those shared, by name.

    Every coordinator's list page shows them, so they are kept with the figures (computed
    again after any write, see tracker.cache): a read of the cache instead of a query.
    """
    if not can_manage(user):
        return []
    found = figures("saved-views", (user.id,), lambda: {"views": [tuple(row) for row in (
        db.session.execute(
            select(SavedView.id, SavedView.name, SavedView.query, SavedView.shared,
                   SavedView.owner_id, User.name)
            .join(User, User.id == SavedView.owner_id)
            .where(or_(SavedView.owner_id == user.id, SavedView.shared))
            .order_by(SavedView.name, SavedView.id)))]})
    return [ViewLink(*row) for row in found["views"]]


def save_view(actor: User, name: str, query: str, shared: bool = False) -> SavedView:
    """Save the list of `query` under `name` for `actor` (shared with every coordinator
    when `shared`). Raises `InvalidChange` when `actor` already has a view of that name."""
    if not can_manage(actor):
        raise InvalidChange(_l("Only coordinators save views of the action list."))
    name = name.strip()
    taken = InvalidChange(_l("You already have a view named %(name)s.", name=name), "name")
    if db.session.scalar(select(SavedView.id).where(SavedView.owner_id == actor.id,
                                                    SavedView.name == name)):
        raise taken
    view = SavedView(owner_id=actor.id, name=name, query=normalised_query(query),
                     shared=shared)
    try:
        with db.session.begin_nested():  # the same name saved at once from another tab
            db.session.add(view)
    except IntegrityError as exc:
        raise taken from exc
    audit.record(actor, "create", view, {"name": name, "query": view.query, "shared": shared})
    return view


def delete_view(actor: User, view: SavedView) -> None:
    """Delete `view`, which must be `actor`'s own. Raises `NotYours`."""
    if view.owner_id != actor.id:
        raise NotYours()
    audit.record(actor, "delete", view, {"name": view.name, "query": view.query,
                                         "shared": view.shared})
    db.session.delete(view)
    db.session.flush()
