"""The template to fill in: the columns, an example row, and what each column takes."""

from __future__ import annotations

import io
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.exports import services as exports
from tracker.exports.services import safe_cell
from tracker.extensions import db
from tracker.models import Event, GcmObjective, Institution, Priority, Status, Theme
from tracker.spreadsheets.validate import COLUMNS

EXAMPLE = {
    "event_ref": "ATELIER-ONM-2024",
    "recommendation_ref": "ONM-2024-R1",
    "recommendation_number": "1",
    "recommendation_title": "Renforcer le système d'information sur la migration",
    "recommendation_text": "Relier les bases de données de l'ONM et de l'INS.",
    "theme": "information_systems",
    "gcm_objectives": "1; 3",
    "priority": "high",
    "action_ref": "ONM-2024-R1-A1",
    "action_title": "Cartographier les sources de données",
    "action_description": "Inventaire des bases existantes et de leurs gestionnaires.",
    "owner_email": "point.focal@example.org",
    "lead_institution": "ONM",
    "contributing_institutions": "INS; OIM",
    "start_date": "2024-06-01",
    "deadline": "31/12/2024",
    "status": "not_started",
    "progress": "0",
}


def header() -> list[str]:
    """Return the header row the importer reads."""
    return list(COLUMNS)


def example_row() -> list[str]:
    """Return an example row, in the order of the header."""
    return [EXAMPLE[column] for column in COLUMNS]


def column_help() -> list[list[str]]:
    """Return, for each column: its name, whether it is required, what to write, the values."""
    yes, no = _("yes"), _("no")
    first = _("yes, on the first row of the recommendation")
    if_action = _("yes, for a row with an action")
    date_format = _("YYYY-MM-DD or DD/MM/YYYY")
    return [
        ["event_ref", yes,
         _("The event the recommendation comes from: its reference, or its id in the tracker. "
           "Events are created in the tracker, not by the import."),
         _("See the Lists sheet.")],
        ["recommendation_ref", no,
         _("Your reference for the recommendation. Rows match the tracker on it, so importing "
           "the same file again changes nothing. Without it, the recommendation is matched "
           "on its event and number."),
         _("64 characters at most, unique")],
        ["recommendation_number", first,
         _("The recommendation's number in the event. Format the column as text so that "
           "1.10 does not become 1.1."),
         _("Letters, digits, dots or dashes")],
        ["recommendation_title", first, _("A short title."), _("300 characters at most")],
        ["recommendation_text", no, _("The full text, as the report words it."), ""],
        ["theme", no, _("The theme's code."), _("See the Lists sheet.")],
        ["gcm_objectives", no,
         _("The numbers of the Global Compact for Migration objectives it serves."),
         _("1 to 23, separated by commas or semicolons")],
        ["priority", no, _("How urgent it is; medium when empty."),
         ", ".join(p.value for p in Priority)],
        ["action_ref", if_action,
         _("Your reference for the action. Rows match the tracker on it."),
         _("64 characters at most, unique in the file")],
        ["action_title", if_action, _("What is to be done."), _("300 characters at most")],
        ["action_description", no, _("Details of the action."), ""],
        ["owner_email", if_action,
         _("The email address of the person who owns the action: an active account that is "
           "not a viewer."), ""],
        ["lead_institution", if_action, _("The code of the institution that leads the action."),
         _("See the Lists sheet.")],
        ["contributing_institutions", no, _("The codes of the institutions that contribute."),
         _("Codes separated by commas or semicolons")],
        ["start_date", no, _("When the work starts."), date_format],
        ["deadline", if_action, _("When it is due; not before the start date."), date_format],
        ["status", no,
         _("Only for a new action: where it stands (not started when empty). Once the action "
           "exists, its status and progress change through updates on its page, with "
           "comments and evidence, never through the import."),
         ", ".join(s.value for s in Status)],
        ["progress", no,
         _("Only for a new action, with its status: 0 when not started, 100 when completed."),
         _("A whole number from 0 to 100")],
    ]


def notes() -> list[str]:
    """Return the rules the help sheet states under the columns."""
    return [
        _("One row per action. A recommendation's columns are repeated on each of its "
          "actions (or left empty after its first row). A row without action columns only "
          "creates or updates the recommendation."),
        _("Delete the example row before importing."),
        _("A column left out of the file leaves that field as it is in the tracker; an empty "
          "cell empties it."),
        _("The import first shows what each row would do (create, update or unchanged) and "
          "every error by row and column; nothing is saved until you confirm, and then all "
          "rows are saved or none."),
        _("CSV files: UTF-8 (with or without BOM), separated by commas or semicolons."),
    ]


def lists() -> list[list[Any]]:
    """Return the events, institutions, themes and objectives a file may name."""
    table: list[list[Any]] = [[_("Events")], ["event_ref", _("Id"), _("Title"), _("Date")]]
    for event in db.session.scalars(select(Event).order_by(Event.date.desc(), Event.id)):
        table.append([event.ref or "", event.id, event.title, event.date.isoformat()])
    table += [[], [_("Institutions")], ["lead_institution", _("Name")]]
    for institution in db.session.scalars(
            select(Institution).where(Institution.active).order_by(Institution.code)):
        table.append([institution.code, institution.name])
    table += [[], [_("Themes")], ["theme", _("Name")]]
    for theme in db.session.scalars(select(Theme).where(Theme.active).order_by(Theme.id)):
        table.append([theme.code, theme.label])
    table += [[], [_("GCM objectives")], ["gcm_objectives", _("Objective")]]
    for objective in db.session.scalars(select(GcmObjective).order_by(GcmObjective.number)):
        table.append([objective.number, objective.label])
    return table


def to_csv() -> bytes:
    """Return the header and example row as CSV with semicolons, as French Excel opens it."""
    return exports.to_csv([header(), example_row()], delimiter=";")


def to_xlsx() -> bytes:
    """Return the template workbook: the columns with an example row, the help, the lists."""
    from openpyxl import Workbook  # loaded where a workbook is written (see exports)
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Actions")[:31]
    sheet.append(header())
    sheet.append([safe_cell(v) for v in example_row()])
    sheet.freeze_panes = "A2"
    for index, _column in enumerate(COLUMNS, start=1):
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(index)].width = 22

    help_sheet = workbook.create_sheet(_("Help")[:31])
    help_sheet.append([_("Column"), _("Required"), _("What to write"), _("Allowed values")])
    for row in column_help():
        help_sheet.append([safe_cell(v) for v in row])
    help_sheet.append([])
    for note in notes():
        help_sheet.append([safe_cell(note)])
    for index, width in enumerate((28, 22, 80, 40), start=1):
        help_sheet.column_dimensions[get_column_letter(index)].width = width
    for cells in help_sheet.iter_rows():
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)

    lists_sheet = workbook.create_sheet(_("Lists")[:31])
    for row in lists():
        lists_sheet.append([safe_cell(v) for v in row])
    for index, width in enumerate((24, 50, 60, 14), start=1):
        lists_sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
