"""Institutions and the people who use the tracker."""

from __future__ import annotations

import enum
import hashlib
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import JSON, Column, Enum, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.extensions import db
from tracker.models.catalog import translated_name
from tracker.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from tracker.models.actions import Action
    from tracker.models.events import Event


class Role(enum.StrEnum):
    """What a user may do: each role includes the rights of the ones below it."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    FOCAL_POINT = "focal_point"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.FOCAL_POINT: _l("Focal point"),
    Role.VIEWER: _l("Viewer"),
}


class Institution(db.Model):
    """A ministry, agency, organisation or municipality that leads or contributes to actions."""

    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name in each language, where one was given; `name` is the one always given.
    name_fr: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    name_ar: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)

    users: Mapped[list[User]] = relationship(back_populates="institution")

    @property
    def label(self) -> str:
        """Return the name in the reader's language, else the name given."""
        return translated_name(self, self.name)

    @validates("code")
    def _normalise_code(self, key: str, value: str) -> str:
        value = value.strip().upper()
        if not value:
            raise ValueError("an institution needs a code")
        return value

    def __str__(self) -> str:
        return f"{self.label} ({self.code})"


# A coordinator's escalation scope: the events and the lead institutions whose actions they
# follow. A coordinator with neither follows every action (see tracker.scopes).
coordinator_event = Table(
    "coordinator_event", db.Model.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)
coordinator_institution = Table(
    "coordinator_institution", db.Model.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("institution_id", ForeignKey("institution.id", ondelete="CASCADE"),
           primary_key=True, index=True),
)


class User(UserMixin, db.Model):
    """A person with one role and, for focal points, the institution they speak for."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the session identifier (and so of the remember-me cookie): bumping it ends
    # every session of the user, on every device, even one whose cookie was copied.
    session_version: Mapped[int] = mapped_column(default=1)
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Email kinds the user turned off (MessageKind values), and a pause of all reminders.
    muted_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    reminders_paused_until: Mapped[date | None]
    # The hour (0-23, in the tracker's time zone) before which the daily email is not sent.
    daily_email_hour: Mapped[int | None]
    # Who receives my daily email's items while I am away, until `delegate_until` included.
    delegate_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))
    delegate_until: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    institution: Mapped[Institution | None] = relationship(back_populates="users")
    actions: Mapped[list[Action]] = relationship(
        back_populates="owner", foreign_keys="Action.owner_id"
    )
    delegate: Mapped[User | None] = relationship(remote_side=[id])
    scope_events: Mapped[list[Event]] = relationship(secondary=coordinator_event,
                                                     order_by="Event.id")
    scope_institutions: Mapped[list[Institution]] = relationship(
        secondary=coordinator_institution, order_by="Institution.id")

    @validates("email")
    def _normalise_email(self, key: str, value: str) -> str:
        value = value.strip().lower()
        if "@" not in value:
            raise ValueError("an email address needs an @")
        return value

    def get_id(self) -> str:
        """Return the session identifier: the id and the session version."""
        return f"{self.id}.{self.session_version or 1}"

    def end_sessions(self) -> None:
        """Make every existing session and remember-me cookie of the user invalid.

        Called on logout, on a new password, on deactivation and on a change of role.
        """
        self.session_version = (self.session_version or 1) + 1

    def password_fingerprint(self) -> str:
        """Return a short digest of the password hash: it changes with the password.

        Reset links carry it (a used link stops working) and sign-in throttling keys its
        counters with it (a new password starts them afresh).
        """
        return hashlib.sha256((self.password_hash or "").encode()).hexdigest()[:16]

    def set_password(self, password: str) -> None:
        """Store a salted scrypt hash of `password`, never the password itself."""
        method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """Tell whether `password` matches the stored hash."""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def delegate_on(self, day: date) -> User | None:
        """Return who receives this user's daily items on `day`: an active delegate while
        the delegation runs, else None."""
        if (self.delegate is None or self.delegate_until is None or day > self.delegate_until
                or not self.delegate.active or self.delegate.id == self.id):
            return None
        return self.delegate

    def has_role(self, *roles: Role) -> bool:
        """Tell whether the user holds one of `roles`."""
        return self.role in roles

    def __str__(self) -> str:
        return self.name
