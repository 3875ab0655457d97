"""The errors domain operations raise for their users, under one base class.

A `DomainError` carries a message written for the person who asked, and the name of the
form field it belongs to when there is one, so that a view shows it under that field, the
API names it in its problem document and the spreadsheet import puts it in a cell.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l


class DomainError(ValueError):
    """A refusal of the domain: `message` is for the user, `field` the input it concerns."""

    default_message: Any = _l("This change is not allowed.")

    def __init__(self, message: Any = None, field: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.field = field
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)


class InvalidChange(DomainError):
    """A change that breaks a rule of the domain (dates, transitions, owners, texts)."""


class StaleVersion(DomainError):
    """A change based on a version of an object that is no longer the current one."""

    default_message = _l("Someone else updated this action while you were editing it. Your "
                         "changes were not saved: check the latest state below and try again.")
