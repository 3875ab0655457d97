"""The filtered action list downloads as CSV and Excel with the same rows."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from openpyxl import load_workbook

from tracker.models import Role


def _setup(make_action, make_institution, make_user):
    onm, ins = make_institution("ONM"), make_institution("INS")
    late = make_action(owner=make_user(Role.FOCAL_POINT, institution=onm),
                       title='=HYPERLINK("http://evil")',
                       deadline=date.today() - timedelta(days=3))
    other = make_action(owner=make_user(Role.FOCAL_POINT, institution=ins),
                        title="Enquête Tunisia-HIMS", deadline=date.today() + timedelta(days=40))
    return onm, late, other


def test_csv_export_follows_the_filters_with_ids_and_iso_dates(
        client, auth, make_action, make_institution, make_user):
    onm, late, other = _setup(make_action, make_institution, make_user)
    auth.login(make_user(Role.VIEWER))
    response = client.get(f"/actions/export.csv?institution={onm.id}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Action id" and "Deadline" in rows[0]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Action id"] == str(late.id)
    assert row["Deadline"] == late.deadline.isoformat()
    assert row["Overdue"] == "yes"
    assert row["Action"].startswith("'=")  # never run as a formula by a spreadsheet


def test_xlsx_export_opens_with_the_same_rows(
        client, auth, make_action, make_institution, make_user):
    _onm, late, other = _setup(make_action, make_institution, make_user)
    auth.login(make_user(Role.VIEWER))
    response = client.get("/actions/export.xlsx?sort=title")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Action id"
    assert {row[0] for row in values[1:]} == {late.id, other.id}
    titles = [row[1] for row in values[1:]]
    assert "Enquête Tunisia-HIMS" in titles


def test_unknown_export_format_is_404_and_anonymous_is_sent_to_login(client, auth, make_user):
    assert client.get("/actions/export.csv").status_code == 302
    auth.login(make_user(Role.VIEWER))
    assert client.get("/actions/export.pdf").status_code == 404
