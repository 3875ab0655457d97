"""Read a spreadsheet file (XLSX, or CSV as Excel writes it) into rows of strings."""

from __future__ import annotations

import csv
import io
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from tracker import uploads
from tracker.domain import DomainError

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
EXTENSIONS = (".xlsx", ".csv")
# An .xlsx is a zip: refuse one that would inflate beyond this (a zip bomb).
MAX_XLSX_UNCOMPRESSED = 300 * 1024 * 1024
# Types people are likely to send instead, with what to do about it.
OTHER_SPREADSHEETS = (".xls", ".xlsm", ".xlsb", ".ods", ".numbers")


class SheetUnreadable(DomainError):
    """Raised when a spreadsheet cannot be read; the message is for the user."""


class SheetTooLarge(SheetUnreadable):
    """Raised when a file is larger, or has more rows, than allowed."""


@dataclass
class Sheet:
    """The header and the non-empty rows of a file, each row with its number in the file."""

    header: list[str]
    header_row: int = 1
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def extension_of(filename: str) -> str:
    """Return the lower-case extension of `filename` (".csv"), or "" when it has none."""
    return Path(filename or "").suffix.lower()


def read_bytes(filename: str, data: bytes, max_bytes: int = MAX_BYTES,
               max_rows: int = MAX_ROWS) -> Sheet:
    """Return the rows of the spreadsheet called `filename` whose content is `data`.

    The extension says the type: .xlsx (first sheet) or .csv (UTF-8 with or without a
    byte-order mark, or Windows-1252; comma or semicolon). The header is the first
    non-empty row. Raises `SheetTooLarge` or `SheetUnreadable`.
    """
    name = Path(filename or "").name or "spreadsheet"
    if len(data) > max_bytes:
        raise SheetTooLarge(uploads.too_large(name, max_bytes))
    extension = extension_of(name)
    if extension in OTHER_SPREADSHEETS:
        raise SheetUnreadable(_l(
            "%(name)s is not a type the importer reads: save it as an Excel workbook "
            "(.xlsx) or as CSV, then send it again.", name=name))
    if extension not in EXTENSIONS:
        raise SheetUnreadable(_l(
            "%(name)s is not a type the importer reads: send an .xlsx or .csv file.",
            name=name))
    if not data:
        raise SheetUnreadable(uploads.empty(name))
    records = _xlsx_records(name, data) if extension == ".xlsx" else _csv_records(name, data)
    sheet: Sheet | None = None
    with closing(records):
        for number, cells in records:
            values = [_cell(value) for value in cells]
            while values and not values[-1]:
                values.pop()
            if not values:
                continue
            if sheet is None:
                sheet = Sheet(header=values, header_row=number)
                continue
            if len(sheet.rows) >= max_rows:
                raise SheetUnreadable(_l("%(name)s has more than %(count)d rows: split it into "
                                         "several files.", name=name, count=max_rows))
            sheet.rows.append((number, values))
    if sheet is None:
        raise SheetUnreadable(uploads.empty(name))
    return sheet


def _cell(value: Any) -> str:
    """Return a cell's value as the text a reader sees (dates in ISO 8601)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_records(name: str, data: bytes):
    if b"\x00" in data[:4096]:
        raise SheetUnreadable(uploads.damaged(name))  # UTF-16 or a binary file renamed .csv
    text = uploads.decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        yield from enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter),
                             start=1)
    except csv.Error as exc:
        raise SheetUnreadable(uploads.damaged(name)) from exc


def _xlsx_records(name: str, data: bytes):
    from openpyxl import load_workbook

    try:
        if uploads.inflates_beyond(data, MAX_XLSX_UNCOMPRESSED):
            raise SheetUnreadable(uploads.damaged(name))
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except SheetUnreadable:
        raise
    except Exception as exc:  # zipfile, lxml and openpyxl raise many kinds on a damaged file
        raise SheetUnreadable(uploads.damaged(name)) from exc
    try:
        if not workbook.worksheets:
            raise SheetUnreadable(uploads.empty(name))
        sheet = workbook.worksheets[0]
        # The dimension some programs write is wrong; read every row the file holds.
        sheet.reset_dimensions()
        try:
            yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        except SheetUnreadable:
            raise
        except Exception as exc:
            raise SheetUnreadable(uploads.damaged(name)) from exc
    finally:
        workbook.close()
