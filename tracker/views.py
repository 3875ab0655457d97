"""One way for a view to run a domain operation: commit it, or show why it was refused.

A view validates its form, then hands the operation to `attempt`: on success the request's
one commit is made and the view flashes and redirects (`done`); on a `DomainError` the
session is rolled back and the message goes under the field it names (or the view's
default field), so that the view shows the form again with `Attempt.status`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from tracker.domain import DomainError, StaleVersion
from tracker.extensions import db
from tracker.forms import add_error


@dataclass
class Attempt:
    """What an operation gave: its value, or the HTTP status to show the form again with."""

    value: Any = None
    status: int = 200
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        """Tell whether the operation ran and was committed."""
        return self.error is None


def attempt(operation: Callable[[], Any], form: FlaskForm | None = None,
            field: str | None = None) -> Attempt:
    """Run `operation` and commit; on a `DomainError` roll back and report it.

    A stale version is flashed (status 409): the form was based on an older state, which the
    page shows again. Any other refusal is put under the field the error names, else under
    `field`, else flashed (status 422). Other exceptions roll back and propagate.
    """
    try:
        value = operation()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        _show(error, form, field)
        return Attempt(status=409 if isinstance(error, StaleVersion) else 422, error=error)
    except Exception:
        db.session.rollback()
        raise
    return Attempt(value=value)


def _show(error: DomainError, form: FlaskForm | None, field: str | None) -> None:
    names = [name for name in (error.field, field) if form is not None and name in form]
    if isinstance(error, StaleVersion) or not names:
        flash(str(error), "error")
    else:
        add_error(form[names[0]], str(error))


def form_status(form: FlaskForm, result: Attempt | None = None) -> int:
    """Return the status of a page showing `form` again: the refusal's, 422 with errors, or 200."""
    if result is not None and not result.ok:
        return result.status
    return 422 if form.errors else 200


def done(message: str, location: str) -> Response:
    """Flash `message` as a success and redirect to `location`."""
    flash(message, "success")
    return redirect(location)
