"""Check every row of an imported spreadsheet and plan what importing it would do.

Nothing here writes: `check` reads the tracker's data once, in batches, and returns a
`Preview` with, for each row, the recommendation and action it creates, updates or
leaves unchanged, and every error with its row number and column name.

Rows match the tracker on references: a recommendation on its `recommendation_ref` (or,
without one, on its event and number), an action on its `action_ref`. A column missing
from the file leaves that field as it is; an empty cell empties it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.actions import rules
from tracker.args import positive_int
from tracker.audit import jsonable
from tracker.extensions import db
from tracker.models import (
    RECOMMENDATION_NUMBER_RE,
    RECOMMENDATION_TEXT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Action,
    Event,
    GcmObjective,
    Institution,
    Priority,
    Recommendation,
    Status,
    Theme,
    User,
)
from tracker.spreadsheets.reader import Sheet

RECOMMENDATION_COLUMNS = (
    "recommendation_number", "recommendation_title", "recommendation_text", "theme",
    "gcm_objectives", "priority",
)
ACTION_COLUMNS = (
    "action_ref", "action_title", "action_description", "owner_email", "lead_institution",
    "contributing_institutions", "start_date", "deadline", "status", "progress",
)
COLUMNS = ("event_ref", "recommendation_ref", *RECOMMENDATION_COLUMNS, *ACTION_COLUMNS)
REQUIRED_COLUMNS = ("event_ref", "recommendation_number", "recommendation_title")
REQUIRED_ACTION_COLUMNS = ("action_ref", "action_title", "owner_email", "lead_institution",
                           "deadline")

# The model field each column sets, to name changes by the column the reader wrote.
RECOMMENDATION_FIELDS = {
    "ref": "recommendation_ref", "number": "recommendation_number",
    "title": "recommendation_title", "text": "recommendation_text", "theme": "theme",
    "gcm_objectives": "gcm_objectives", "priority": "priority",
}
ACTION_FIELDS = {
    "title": "action_title", "description": "action_description", "owner": "owner_email",
    "lead_institution": "lead_institution", "contributors": "contributing_institutions",
    "start_date": "start_date", "deadline": "deadline",
}
# Foreign keys compared instead of the related objects, so nothing is loaded row by row.
FOREIGN_KEYS = {"theme": "theme_id", "owner": "owner_id",
                "lead_institution": "lead_institution_id"}

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
FRENCH_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
LIST_SEPARATORS = re.compile(r"[,;]")
MAX_LENGTHS = {  # the columns' own lengths, and the limits of free text
    "recommendation_ref": Recommendation.__table__.c.ref.type.length,
    "action_ref": Action.__table__.c.ref.type.length,
    "recommendation_number": Recommendation.__table__.c.number.type.length,
    "recommendation_title": Recommendation.__table__.c.title.type.length,
    "recommendation_text": RECOMMENDATION_TEXT_MAX_LENGTH,
    "action_title": Action.__table__.c.title.type.length,
    "action_description": TEXT_MAX_LENGTH,
}
BATCH = 1000


@dataclass
class Issue:
    """An error found in the file: where it is and what is wrong, in the reader's words."""

    row: int
    column: str
    message: str


@dataclass
class RecommendationPlan:
    """What the file says about one recommendation, and how it differs from the tracker."""

    row: int
    event: Event
    ref: str | None
    existing: Recommendation | None
    values: dict[str, Any]
    changes: list[str]
    # Each column's value on its first row, to check that its other rows agree.
    cells: dict[str, Any]
    created: Recommendation | None = None

    @property
    def operation(self) -> str:
        if self.existing is None:
            return CREATE
        return UPDATE if self.changes else UNCHANGED

    @property
    def target(self) -> Recommendation | None:
        """Return the recommendation in the tracker, once it exists."""
        return self.existing if self.existing is not None else self.created


@dataclass
class ActionPlan:
    """What one row says about an action, and how it differs from the tracker."""

    row: int
    ref: str
    recommendation: RecommendationPlan
    existing: Action | None
    values: dict[str, Any]
    changes: list[str]
    status: Status = Status.NOT_STARTED
    progress: int = 0

    @property
    def operation(self) -> str:
        if self.existing is None:
            return CREATE
        return UPDATE if self.changes else UNCHANGED


@dataclass
class RowPlan:
    """One row of the file: what it asks for, what importing it would do, what is wrong."""

    number: int
    cells: dict[str, str]
    recommendation: RecommendationPlan | None = None
    # The recommendation's values are written from the first row that names it.
    owns_recommendation: bool = False
    action: ActionPlan | None = None
    errors: list[Issue] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def operation(self) -> str:
        """Return create, update or unchanged for the row as a whole (error if it has one)."""
        if self.errors:
            return ERROR
        operations = [self.action.operation] if self.action is not None else []
        if self.owns_recommendation and self.recommendation is not None:
            operations.append(self.recommendation.operation)
        for operation in (CREATE, UPDATE):
            if operation in operations:
                return operation
        return UNCHANGED

    @property
    def changed_columns(self) -> list[str]:
        """Return the columns whose values would change existing data."""
        columns = []
        if self.owns_recommendation and self.recommendation is not None:
            columns += [RECOMMENDATION_FIELDS[f] for f in self.recommendation.changes]
        if self.action is not None:
            columns += [ACTION_FIELDS.get(f, f) for f in self.action.changes]
        return columns


@dataclass
class Preview:
    """The outcome of checking a file: its rows' plans and every error found."""

    rows: list[RowPlan]
    file_errors: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        """Return every error, those of the header first, then by row."""
        return [*self.file_errors, *(issue for row in self.rows for issue in row.errors)]

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(row.errors for row in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        """Return how many rows would create, update, leave unchanged or are in error."""
        counts = dict.fromkeys((CREATE, UPDATE, UNCHANGED, ERROR), 0)
        for row in self.rows:
            counts[row.operation] += 1
        return counts

    @property
    def has_changes(self) -> bool:
        counts = self.counts
        return bool(counts[CREATE] or counts[UPDATE])

    @property
    def rows_with_errors(self) -> int:
        return sum(1 for row in self.rows if row.errors)


def _column_letter(number: int) -> str:
    """Return a spreadsheet's name of column `number` (1 → A, 27 → AA)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def normalise_header(name: str) -> str:
    """Return a column name as the importer knows it: "Owner email" → "owner_email"."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def check(sheet: Sheet) -> Preview:
    """Check every row of `sheet` against the tracker's data and plan its import."""
    columns, file_errors = _read_header(sheet)
    if file_errors:
        return Preview(rows=[], file_errors=file_errors)
    rows = []
    for number, values in sheet.rows:
        row = RowPlan(number=number, cells={})
        for index, value in enumerate(values):
            column = columns.get(index)
            if column is not None:
                row.cells[column] = value.strip()
            elif value.strip():
                row.errors.append(Issue(number, _column_letter(index + 1), _(
                    "This cell is under no column name: name its column in the header "
                    "row or empty it.")))
        rows.append(row)
    present = set(columns.values())
    _Checker(rows, present).run()
    return Preview(rows=rows)


def _read_header(sheet: Sheet) -> tuple[dict[int, str], list[Issue]]:
    """Return the known column at each index, and the errors of the header row."""
    columns: dict[int, str] = {}
    errors = []
    seen: set[str] = set()
    row = sheet.header_row
    for index, raw in enumerate(sheet.header):
        name = normalise_header(raw)
        if not name:
            continue
        if name not in COLUMNS:
            errors.append(Issue(row, raw, _("Unknown column %(name)s. The template lists the "
                                            "columns the importer reads.", name=raw)))
        elif name in seen:
            errors.append(Issue(row, name, _("Column %(name)s appears twice.", name=name)))
        else:
            seen.add(name)
            columns[index] = name
    required = list(REQUIRED_COLUMNS)
    if seen & set(ACTION_COLUMNS):
        required += REQUIRED_ACTION_COLUMNS
    for name in required:
        if name not in seen:
            errors.append(Issue(row, name, _("Column %(name)s is missing.", name=name)))
    return columns, errors


def _batches(values: Iterable[Any]) -> Iterator[list[Any]]:
    values = list(values)
    for start in range(0, len(values), BATCH):
        yield values[start:start + BATCH]


def _split_list(value: str) -> list[str]:
    return [part.strip() for part in LIST_SEPARATORS.split(value) if part.strip()]


def parse_date(value: str) -> date | None:
    """Return the date written as YYYY-MM-DD or DD/MM/YYYY, or None when it is not one."""
    match = ISO_DATE_RE.match(value)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = FRENCH_DATE_RE.match(value)
        if not match:
            return None
        day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _status(value: str) -> Status | None:
    key = re.sub(r"[\s\-]+", "_", value.strip().lower())
    try:
        return Status(key)
    except ValueError:
        return None


def _differs(obj: Any, name: str, new: Any) -> bool:
    if name in FOREIGN_KEYS:
        return getattr(obj, FOREIGN_KEYS[name]) != (new.id if new is not None else None)
    return jsonable(getattr(obj, name)) != jsonable(new)


class _Catalog:
    """The tracker's data the file refers to, loaded in a few queries."""

    def __init__(self, rows: list[RowPlan]) -> None:
        def cells(column: str) -> set[str]:
            return {row.cells[column] for row in rows if row.cells.get(column)}

        event_keys = cells("event_ref")
        self.events_by_ref: dict[str, Event] = {}
        self.events_by_id: dict[int, Event] = {}
        for batch in _batches(event_keys):
            for event in db.session.scalars(select(Event).where(Event.ref.in_(batch))):
                self.events_by_ref[event.ref] = event
        ids = {number for number in map(positive_int, event_keys) if number}
        for batch in _batches(ids):
            for event in db.session.scalars(select(Event).where(Event.id.in_(batch))):
                self.events_by_id[event.id] = event
        emails = {email.lower() for email in cells("owner_email")}
        self.users: dict[str, User] = {}
        for batch in _batches(emails):
            for user in db.session.scalars(select(User).where(User.email.in_(batch))):
                self.users[user.email] = user
        codes = {code.upper() for code in cells("lead_institution")}
        for value in cells("contributing_institutions"):
            codes.update(code.upper() for code in _split_list(value))
        self.institutions: dict[str, Institution] = {}
        for batch in _batches(codes):
            for institution in db.session.scalars(
                    select(Institution).where(Institution.code.in_(batch))):
                self.institutions[institution.code] = institution
        self.themes = {theme.code.lower(): theme for theme in db.session.scalars(select(Theme))}
        self.objectives = {o.number: o for o in db.session.scalars(select(GcmObjective))}

        options = (selectinload(Recommendation.gcm_objectives),)
        self.recommendations_by_ref: dict[str, Recommendation] = {}
        for batch in _batches(cells("recommendation_ref")):
            for recommendation in db.session.scalars(
                    select(Recommendation).where(Recommendation.ref.in_(batch))
                    .options(*options)):
                self.recommendations_by_ref[recommendation.ref] = recommendation
        event_ids = {e.id for e in [*self.events_by_ref.values(), *self.events_by_id.values()]}
        self.recommendations_by_number: dict[tuple[int, str], Recommendation] = {}
        for batch in _batches(event_ids):
            for recommendation in db.session.scalars(
                    select(Recommendation).where(Recommendation.event_id.in_(batch))
                    .options(*options)):
                key = (recommendation.event_id, recommendation.number)
                self.recommendations_by_number[key] = recommendation
        self.actions: dict[str, Action] = {}
        for batch in _batches(cells("action_ref")):
            for action in db.session.scalars(
                    select(Action).where(Action.ref.in_(batch))
                    .options(selectinload(Action.contributors))):
                self.actions[action.ref] = action

    def event(self, key: str) -> Event | None:
        event = self.events_by_ref.get(key)
        if event is None and (number := positive_int(key)):
            event = self.events_by_id.get(number)
        return event


class _Checker:
    """Walk the rows once, planning each and collecting its errors."""

    def __init__(self, rows: list[RowPlan], present: set[str]) -> None:
        self.rows = rows
        self.present = present
        self.catalog = _Catalog(rows)
        self.recommendations: dict[tuple, RecommendationPlan] = {}
        # (event id, number) → the key of the recommendation the file gives it to.
        self.numbers: dict[tuple[int, str], tuple] = {}
        self.action_rows: dict[str, int] = {}

    def run(self) -> None:
        for row in self.rows:
            self.row = row
            self.check_row(row)

    # Helpers naming the current row.

    def problem(self, column: str, problem: Any) -> None:
        """Note a rule's problem (see tracker.actions.rules) under `column`, if there is one."""
        if problem is not None:
            self.error(column, str(problem))

    def error(self, column: str, message: str) -> None:
        self.row.errors.append(Issue(self.row.number, column, message))

    def value(self, column: str) -> str:
        return self.row.cells.get(column, "")

    def required(self, column: str) -> str:
        value = self.value(column)
        if not value:
            self.error(column, _("A value is required."))
        return value

    def text(self, column: str, required: bool = False) -> str:
        """Return a text column's value, noting when it is missing (if required) or too long."""
        value = self.required(column) if required else self.value(column)
        if value:
            self.short_enough(column, value)
        return value

    def short_enough(self, column: str, value: str) -> bool:
        limit = MAX_LENGTHS[column]
        if len(value) > limit:
            self.error(column, _("Use at most %(max)d characters.", max=limit))
            return False
        return True

    # The row.

    def check_row(self, row: RowPlan) -> None:
        event_key = self.required("event_ref")
        event = self.catalog.event(event_key) if event_key else None
        if event_key and event is None:
            self.error("event_ref", _("Unknown event %(value)s: no event has this reference "
                                      "or id.", value=event_key))
        plan = self.check_recommendation(event) if event is not None else None
        row.recommendation = plan
        has_action = any(self.value(column) for column in ACTION_COLUMNS)
        if has_action:
            self.check_action(plan)

    def check_recommendation(self, event: Event) -> RecommendationPlan | None:
        ref = self.value("recommendation_ref")
        if ref and not self.short_enough("recommendation_ref", ref):
            return None
        number = self.value("recommendation_number")
        key: tuple = ("ref", ref) if ref else ("number", event.id, number)
        plan = self.recommendations.get(key)
        if plan is not None:
            self.check_same_recommendation(plan, event)
            return plan
        cells = self.recommendation_cells()
        values = self.recommendation_values(cells)
        if values is None:
            return None
        existing = None
        if ref:
            existing = self.catalog.recommendations_by_ref.get(ref)
            if existing is not None and existing.event_id != event.id:
                self.error("event_ref", _(
                    "Recommendation %(ref)s belongs to another event (%(event)s): moving "
                    "recommendations between events is not supported.",
                    ref=ref, event=existing.event.ref or existing.event_id))
                return None
        numbered = self.catalog.recommendations_by_number.get((event.id, values["number"]))
        if existing is None and numbered is not None:
            if ref and numbered.ref:
                self.error("recommendation_number", _(
                    "The event already has a recommendation numbered %(number)s, with the "
                    "reference %(ref)s.", number=values["number"], ref=numbered.ref))
                return None
            existing = numbered  # matched on its number: the file gives it its reference
        elif numbered is not None and numbered is not existing:
            self.error("recommendation_number", _(
                "The event already has a recommendation numbered %(number)s.",
                number=values["number"]))
            return None
        claimed = self.numbers.get((event.id, values["number"]))
        if claimed is not None and claimed != key:
            self.error("recommendation_number", _(
                "Row %(row)d gives this number to another recommendation of the event.",
                row=self.recommendations[claimed].row))
            return None
        if existing is None:
            values.setdefault("text", "")
            values.setdefault("theme", None)
            values.setdefault("gcm_objectives", [])
            values.setdefault("priority", Priority.MEDIUM)
            changes = []
        else:
            if not ref:
                values.pop("ref")
            changes = [name for name, new in values.items() if _differs(existing, name, new)]
        theme = values.get("theme")
        if theme is not None and not theme.active and "theme" in (
                changes if existing is not None else values):
            self.error("theme", _("The theme %(value)s is no longer in use.",
                                  value=self.value("theme")))
            return None
        plan = RecommendationPlan(row=self.row.number, event=event, ref=ref or None,
                                  existing=existing, values=values, changes=changes,
                                  cells=cells)
        self.recommendations[key] = plan
        self.numbers[(event.id, values["number"])] = key
        self.row.owns_recommendation = True
        return plan

    def recommendation_cells(self) -> dict[str, Any]:
        """Return the recommendation's cells in a form two rows can be compared in."""
        cells: dict[str, Any] = {}
        for column in RECOMMENDATION_COLUMNS:
            if column not in self.present:
                continue
            value = self.value(column)
            if column in ("theme", "priority"):
                value = value.lower()
            elif column == "gcm_objectives":
                value = tuple(sorted(set(_split_list(value))))
            cells[column] = value
        return cells

    def check_same_recommendation(self, plan: RecommendationPlan, event: Event) -> None:
        if plan.event.id != event.id:
            self.error("event_ref", _("Row %(row)d gives this recommendation another event.",
                                      row=plan.row))
        mine = self.recommendation_cells()
        for column, value in mine.items():
            if value and value != plan.cells.get(column):
                self.error(column, _(
                    "This recommendation's %(column)s differs from row %(row)d: give the same "
                    "value on each of its rows, or leave the cell empty.",
                    column=column, row=plan.row))

    def recommendation_values(self, cells: dict[str, Any]) -> dict[str, Any] | None:
        """Return the recommendation's fields from the row, or None when one is wrong."""
        errors = len(self.row.errors)
        values: dict[str, Any] = {"ref": self.value("recommendation_ref") or None}
        number = self.required("recommendation_number")
        if number and self.short_enough("recommendation_number", number):
            if not RECOMMENDATION_NUMBER_RE.match(number):
                self.error("recommendation_number",
                           _("Use letters, digits, dots or dashes."))
        values["number"] = number
        values["title"] = self.text("recommendation_title", required=True)
        if "recommendation_text" in self.present:
            values["text"] = self.text("recommendation_text")
        if "theme" in self.present:
            code = cells["theme"]
            values["theme"] = self.catalog.themes.get(code) if code else None
            if code and values["theme"] is None:
                self.error("theme", _("Unknown theme %(value)s: use a code from the template's "
                                      "help sheet.", value=self.value("theme")))
        if "gcm_objectives" in self.present:
            objectives = []
            for part in cells["gcm_objectives"]:
                objective = self.catalog.objectives.get(positive_int(part))
                if objective is None:
                    self.error("gcm_objectives", _(
                        "Unknown GCM objective %(value)s: the objectives are numbered 1 to "
                        "23.", value=part))
                else:
                    objectives.append(objective)
            values["gcm_objectives"] = sorted(objectives, key=lambda o: o.number)
        if "priority" in self.present and cells["priority"]:
            try:
                values["priority"] = Priority(cells["priority"])
            except ValueError:
                self.error("priority", _("Unknown priority %(value)s: use high, medium or low.",
                                         value=self.value("priority")))
        return values if len(self.row.errors) == errors else None

    def check_action(self, recommendation: RecommendationPlan | None) -> None:
        errors = len(self.row.errors)
        ref = self.required("action_ref")
        if ref and self.short_enough("action_ref", ref):
            first = self.action_rows.get(ref)
            if first is not None:
                self.error("action_ref", _("Duplicate ref %(value)s: row %(row)d has it too.",
                                           value=ref, row=first))
            else:
                self.action_rows[ref] = self.row.number
        existing = self.catalog.actions.get(ref) if ref else None
        if existing is not None and recommendation is not None and (
                recommendation.existing is None
                or existing.recommendation_id != recommendation.existing.id):
            self.error("action_ref", _(
                "Action %(ref)s belongs to another recommendation (%(recommendation)s): moving "
                "actions between recommendations is not supported.",
                ref=ref, recommendation=existing.recommendation.ref
                or existing.recommendation.number))
        values: dict[str, Any] = {}
        values["title"] = self.text("action_title", required=True)
        if "action_description" in self.present:
            values["description"] = self.text("action_description")
        values["owner"] = self.owner(existing)
        values["lead_institution"] = self.lead_institution(existing)
        if "contributing_institutions" in self.present:
            values["contributors"] = self.contributors(existing, values["lead_institution"])
        start = None
        if "start_date" in self.present:
            start = self.date("start_date")
            values["start_date"] = start
        elif existing is not None:
            start = existing.start_date
        deadline = self.date("deadline", required=True)
        values["deadline"] = deadline
        self.problem("deadline", rules.dates_problem(start, deadline))
        status, progress = self.status_and_progress(existing)
        if len(self.row.errors) != errors or recommendation is None:
            return
        if existing is None:
            changes = []
        else:
            changes = [name for name, new in values.items() if _differs(existing, name, new)]
            changes += [name for name, new in (("status", status), ("progress", progress))
                        if getattr(existing, name) != new]
        self.row.action = ActionPlan(row=self.row.number, ref=ref, recommendation=recommendation,
                                     existing=existing, values=values, changes=changes,
                                     status=status, progress=progress)

    def owner(self, existing: Action | None) -> User | None:
        email = self.required("owner_email").lower()
        if not email:
            return None
        user = self.catalog.users.get(email)
        if user is None:
            self.error("owner_email", _("Unknown owner email %(value)s: no user has this "
                                        "address.", value=email))
            return None
        # The current owner is kept as they are, even if their account changed since.
        self.problem("owner_email", rules.owner_problem(
            user, existing.owner_id if existing is not None else None))
        return user

    def institution(self, column: str, code: str, kept: bool) -> Institution | None:
        institution = self.catalog.institutions.get(code.upper())
        if institution is None:
            self.error(column, _("Unknown institution code %(value)s.", value=code))
        elif not institution.active and not kept:
            self.error(column, _("The institution %(value)s is inactive.", value=code))
        return institution

    def lead_institution(self, existing: Action | None) -> Institution | None:
        code = self.required("lead_institution")
        if not code:
            return None
        institution = self.catalog.institutions.get(code.upper())
        kept = (existing is not None and institution is not None
                and existing.lead_institution_id == institution.id)
        return self.institution("lead_institution", code, kept)

    def contributors(self, existing: Action | None,
                     lead: Institution | None) -> list[Institution]:
        current = {c.id for c in existing.contributors} if existing is not None else set()
        chosen: dict[int, Institution] = {}
        for code in _split_list(self.value("contributing_institutions")):
            known = self.catalog.institutions.get(code.upper())
            kept = known is not None and known.id in current
            institution = self.institution("contributing_institutions", code, kept)
            if institution is not None:
                chosen[institution.id] = institution
        return sorted(rules.contributors_besides(lead, chosen.values()), key=lambda i: i.code)

    def date(self, column: str, required: bool = False) -> date | None:
        value = self.required(column) if required else self.value(column)
        if not value:
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.error(column, _("Bad date %(value)s: use YYYY-MM-DD or DD/MM/YYYY.",
                                 value=value))
        return parsed

    def status_and_progress(self, existing: Action | None) -> tuple[Status, int]:
        """Return the status and progress the row gives: a new action starts with them; an
        existing one whose status or progress differs gets an update in its history.

        Blank cells keep what the tracker holds (a new action: not started, at 0 %).
        """
        raw_status, raw_progress = self.value("status"), self.value("progress")
        status = _status(raw_status) if raw_status else None
        text = raw_progress.removesuffix("%").strip()
        progress = int(text) if text.isascii() and text.isdigit() else None
        current = (existing.status, existing.progress) if existing is not None \
            else (Status.NOT_STARTED, 0)
        if raw_status and status is None:
            self.error("status", _("Unknown status %(value)s: use one of %(values)s.",
                                   value=raw_status,
                                   values=", ".join(s.value for s in Status)))
            return current
        if raw_progress and (progress is None or not 0 <= progress <= 100):
            self.error("progress", _("Progress must be a whole number from 0 to 100."))
            return current
        status = status or current[0]
        fixed = status.fixed_progress
        if progress is None:
            progress = fixed if fixed is not None else (
                current[1] if status == current[0] or not raw_status else 0)
        elif fixed == 100 and progress != 100:
            self.error("progress", _("A completed action is at 100 %."))
        elif fixed == 0 and progress != 0:
            self.error("progress", _("A not started action is at 0 %: give its status too."))
        return status, progress
