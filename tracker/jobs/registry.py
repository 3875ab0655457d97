"""The kinds of job: each a plain function the runner calls with a `JobContext`.

A kind is declared where its work lives (`@kind("spreadsheet_import")` in
`tracker.spreadsheets.jobs`); `MODULES` lists those modules so that every process (web,
worker, CLI) knows every kind, whatever it imported first.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tracker.models import User

MODULES = ("tracker.spreadsheets.jobs",)


class JobFailed(Exception):
    """Raised by a job's function to fail the job; the message is for the user who asked."""


@dataclass(frozen=True)
class JobContext:
    """What a job's function receives: its payload, who asked, and a way to report progress.

    `report(done)` records how many units (rows) are done, out of the total given when
    the job was queued; reporting also tells the queue that the worker is alive.
    """

    job_id: int
    payload: dict[str, Any]
    requested_by: User | None
    report: Callable[[int], None]


JobFunction = Callable[[JobContext], dict[str, Any] | None]


@dataclass(frozen=True)
class JobKind:
    """A kind of job: the function that runs it, and how many times it may be started.

    A job is started again only when the process running it died (its lease ran out);
    a kind allows it (`max_attempts` above 1) only if a half-run job left nothing behind.
    """

    name: str
    function: JobFunction
    max_attempts: int = 1


_KINDS: dict[str, JobKind] = {}


def kind(name: str, *, max_attempts: int = 1) -> Callable[[JobFunction], JobFunction]:
    """Declare the decorated function as the one that runs jobs of kind `name`."""
    def decorator(function: JobFunction) -> JobFunction:
        register(JobKind(name, function, max_attempts))
        return function

    return decorator


def register(definition: JobKind) -> None:
    """Make jobs of `definition.name` runnable; declaring a kind again replaces it."""
    _KINDS[definition.name] = definition


def unregister(name: str) -> None:
    """Forget the kind `name` (jobs of it already queued then fail when run)."""
    _KINDS.pop(name, None)


def lookup(name: str) -> JobKind | None:
    """Return the kind called `name`, or None when no module declares it."""
    for module in MODULES:
        importlib.import_module(module)
    return _KINDS.get(name)
