"""Who may do what: one place for every rule the views, API and CLI apply."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, false, or_, true

from tracker.models import Action, Job, Role, User

MANAGERS = (Role.ADMIN, Role.COORDINATOR)


def can_manage(user: User) -> bool:
    """Tell whether `user` may create and edit events, recommendations and actions."""
    return user.is_authenticated and user.role in MANAGERS


def can_administer(user: User) -> bool:
    """Tell whether `user` may manage accounts, institutions and themes."""
    return user.is_authenticated and user.role == Role.ADMIN


def can_follow_job(user: User, job: Job) -> bool:
    """Tell whether `user` may see how a background job goes: whoever queued it, or an admin."""
    return user.is_authenticated and (job.requested_by_id == user.id or can_administer(user))


def can_view_action(user: User, action: Action) -> bool:
    """Tell whether `user` may see `action`, its history and its evidence (any signed-in user)."""
    return bool(user.is_authenticated)


def can_update_action(user: User, action: Action) -> bool:
    """Tell whether `user` may record progress on `action`.

    Coordinators and admins may update any action; a focal point only the actions they
    own or whose lead institution is their own; viewers none.
    """
    if not user.is_authenticated:
        return False
    if user.role in MANAGERS:
        return True
    if user.role != Role.FOCAL_POINT:
        return False
    return action.owner_id == user.id or (
        user.institution_id is not None and action.lead_institution_id == user.institution_id
    )


def updatable_actions(user: User) -> ColumnElement[bool]:
    """Return `can_update_action` as an SQL condition on actions, for queries that select
    the actions `user` may update rather than check one."""
    if not user.is_authenticated or user.role not in (*MANAGERS, Role.FOCAL_POINT):
        return false()
    if user.role in MANAGERS:
        return true()
    conditions = [Action.owner_id == user.id]
    if user.institution_id is not None:
        conditions.append(Action.lead_institution_id == user.institution_id)
    return or_(*conditions)


def require(check: Callable[[User], bool]) -> Callable:
    """Decorate a view so it needs a logged-in user passing `check`, else 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any):
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


manager_required = require(can_manage)
admin_required = require(can_administer)
