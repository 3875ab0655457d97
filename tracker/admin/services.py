"""Accounts, institutions and themes. Operations flush; the caller commits."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import email_validator
from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from tracker import audit
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.integrity import flush
from tracker.models import Institution, Role, Theme, User

MIN_PASSWORD_LENGTH = 10

# Sent with each new account invited: tracker.reminders queues its invitation email (a link to
# choose the password, see tracker.auth.invitation), in the same transaction.
account_created = Namespace().signal("account-created")


class AccountError(DomainError):
    """Raised when an account change breaks a rule; `field` names the form field it concerns."""


def check_email_address(email: str) -> str:
    """Return `email` as stored and signed in with (lower case), or raise `AccountError`.

    The same check as the login form's (WTForms' `Email()`, with its default options), so
    that no account gets an address its owner could not sign in with.
    """
    try:
        email_validator.validate_email(email, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        raise AccountError(_l("This is not a valid email address: %(email)s", email=email),
                           "email") from exc
    return email.lower()


def _email_refusal() -> AccountError:
    return AccountError(_l("An account with this email already exists."), "email")


def _code_refusal() -> AccountError:
    return AccountError(_l("Another institution already has this code."), "code")


def _email_taken(email: str, exclude_id: int | None = None) -> bool:
    stmt = select(func.count()).select_from(User).where(User.email == email.strip().lower())
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    return bool(db.session.scalar(stmt))


def check_password_strength(password: str) -> None:
    """Raise `AccountError` when `password` is too short to protect an account."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("The password needs at least %(n)d characters.",
                              n=MIN_PASSWORD_LENGTH), "password")


def _check_role_institution(role: Role, institution: Institution | None) -> None:
    if role == Role.FOCAL_POINT and institution is None:
        raise AccountError(_l("A focal point must belong to an institution."), "institution")


def _check_scope(role: Role, events: list, institutions: list) -> None:
    if role != Role.COORDINATOR and (events or institutions):
        raise AccountError(_l("Only a coordinator follows events or institutions."),
                           "scope_events")


def create_user(actor: User | None, *, email: str, name: str, role: Role,
                password: str | None = None, institution: Institution | None = None,
                locale: str | None = None, scope_events: list | None = None,
                scope_institutions: list | None = None, invite: bool = False) -> User:
    """Create an account and, with `invite`, send its invitation (a link to choose the
    password, in the new user's language, see tracker.auth.invitation).

    Raises `AccountError` for a taken email, a weak password, a focal point without an
    institution, a scope for anyone but a coordinator, or an address the login form would
    refuse.

    Without `password` the account has none until the invitation's link sets it: one of
    the two is needed.
    """
    email = check_email_address(email)
    if _email_taken(email):
        raise _email_refusal()
    if password is not None:
        check_password_strength(password)
    elif not invite:
        raise AccountError(_l("Give the new account a password, or send an invitation."),
                           "password")
    _check_role_institution(role, institution)
    _check_scope(role, scope_events or [], scope_institutions or [])
    user = User(email=email, name=name.strip() or email.split("@")[0], role=role,
                institution=institution, locale=locale, active=True, password_hash="",
                scope_events=list(scope_events or []),
                scope_institutions=list(scope_institutions or []))
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    flush(duplicate=_email_refusal(), key=("email",))
    audit.record(actor, "create", user, {
        "email": user.email, "role": role.value,
        "institution": audit.jsonable(institution),
        **({"scope_events": audit.jsonable(user.scope_events),
            "scope_institutions": audit.jsonable(user.scope_institutions)}
           if user.scope_events or user.scope_institutions else {})})
    if invite:
        account_created.send(user)
        audit.record(actor, "invited", user)
    return user


def update_user(actor: User, user: User, values: dict[str, Any],
                password: str | None = None) -> dict:
    """Change an account; record role, institution and activation changes in the audit log."""
    if "email" in values:
        values = {**values, "email": check_email_address(values["email"])}
    if "email" in values and _email_taken(values["email"], exclude_id=user.id):
        raise _email_refusal()
    role = values.get("role", user.role)
    _check_role_institution(role, values.get("institution", user.institution))
    _check_scope(role, values.get("scope_events", user.scope_events),
                 values.get("scope_institutions", user.scope_institutions))
    if actor.id == user.id and (role != user.role or values.get("active") is False):
        raise AccountError(_l("You cannot change your own role or deactivate yourself."),
                           "role")
    changes = audit.apply_changes(user, values)
    if password:
        check_password_strength(password)
        user.set_password(password)
        changes["password"] = ["***", "***"]
    if password or "active" in changes or "role" in changes:
        user.end_sessions()  # a new password, role or deactivation signs them out
    if changes:
        flush(duplicate=_email_refusal(), key=("email",))
        audit.record(actor, "update", user, changes)
    return changes


def slugify(text: str) -> str:
    """Return an ASCII code made of the words of `text` (for new theme codes)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:64] or "theme"


def _unique(model: type, field: str, value: str, exclude_id: int | None) -> bool:
    column = getattr(model, field)
    stmt = select(func.count()).select_from(model).where(column == value)
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    return not db.session.scalar(stmt)


def save_institution(actor: User | None, institution: Institution | None,
                     values: dict[str, Any]) -> Institution:
    """Create an institution (when `institution` is None) or change one."""
    code = values["code"].strip().upper()
    if not _unique(Institution, "code", code, institution.id if institution else None):
        raise _code_refusal()
    if institution is None:
        institution = Institution(**values)
        db.session.add(institution)
        flush(duplicate=_code_refusal(), key=("code",))
        audit.record(actor, "create", institution,
                     {k: audit.jsonable(v) for k, v in values.items()})
        return institution
    changes = audit.apply_changes(institution, values)
    if changes:
        flush(duplicate=_code_refusal(), key=("code",))
        audit.record(actor, "update", institution, changes)
    return institution


def save_theme(actor: User | None, theme: Theme | None, values: dict[str, Any]) -> Theme:
    """Create a theme (when `theme` is None) or rename or deactivate one."""
    if theme is None:
        code = slugify(values["name"])
        suffix = 1
        while not _unique(Theme, "code", code, None):
            suffix += 1
            code = f"{slugify(values['name'])[:60]}_{suffix}"
        theme = Theme(code=code, **values)
        db.session.add(theme)
        # Two themes of one name saved at the same moment both take the same free code.
        flush(duplicate=AccountError(_l("Another theme of this name was created at the "
                                        "same moment: save again."), "name"), key=("code",))
        audit.record(actor, "create", theme, {"code": code, **values})
        return theme
    changes = audit.apply_changes(theme, values)
    if changes:
        db.session.flush()
        audit.record(actor, "update", theme, changes)
    return theme
