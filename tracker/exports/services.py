"""Tables of actions for spreadsheets: the columns the list shows, plus ids and ISO dates."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from flask_babel import gettext as _

from tracker.models import Action

# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def header() -> list[str]:
    """Return the column titles, in the reader's language."""
    return [
        _("Action id"), _("Action"), _("Recommendation id"), _("Recommendation number"),
        _("Recommendation"), _("Event id"), _("Event"), _("Owner"), _("Lead institution"),
        _("Contributing institutions"), _("Status"), _("Progress (%)"), _("Start date"),
        _("Deadline"), _("Overdue"), _("Last change"), _("Indicators"),
    ]


def rows(actions: Iterable[Action], today: date,
         indicators: dict[int, str] | None = None) -> list[list[Any]]:
    """Return one row a action, with dates in ISO 8601.

    `indicators` maps action ids to the summary of their indicators ("name: latest/target
    unit; ..."), as tracker.indicators.queries.action_summaries writes it.
    """
    indicators = indicators or {}
    result = []
    for action in actions:
        recommendation = action.recommendation
        result.append([
            action.id, action.title, recommendation.id, recommendation.number,
            recommendation.title, recommendation.event_id, recommendation.event.title,
            action.owner.name, action.lead_institution.code,
            ", ".join(c.code for c in action.contributors), action.status.label,
            action.progress, action.start_date.isoformat() if action.start_date else "",
            action.deadline.isoformat(), _("yes") if action.is_overdue(today) else _("no"),
            action.updated_at.isoformat(timespec="seconds"), indicators.get(action.id, ""),
        ])
    return result


def safe_cell(value: Any) -> Any:
    """Return `value` so that a spreadsheet program never runs it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_csv(table: Sequence[Sequence[Any]], delimiter: str = ",") -> bytes:
    """Return the table as UTF-8 CSV with a byte-order mark, which Excel needs for accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for row in table:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(table: Sequence[Sequence[Any]], title: str) -> bytes:
    """Return the table as an Excel workbook with a frozen, filterable header row."""
    # Imported here: openpyxl (and what it pulls in) is loaded by the processes that
    # write a workbook, not by every web worker.
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for row in table:
        sheet.append([safe_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    if table:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table[0]))}{len(table)}"
        for index, _title in enumerate(table[0], start=1):
            sheet.column_dimensions[get_column_letter(index)].width = 18
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
