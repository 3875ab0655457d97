"""Importing recommendations and actions from a spreadsheet: check, preview, confirm."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import (
    Action,
    ActionUpdate,
    AuditEntry,
    Job,
    JobState,
    Recommendation,
    Role,
    Status,
    UpdateKind,
)
from tracker.spreadsheets.validate import COLUMNS

TOKEN_RE = re.compile(r'name="token" type="hidden" value="([^"]+)"')
ERROR_ROW_RE = re.compile(
    r'<td data-label="Row">(\d+)</td><td data-label="Column"><code>([^<]+)</code></td>'
    r'<td data-label="Error">([^<]+)</td>')
OPERATION_RE = re.compile(r'data-row="(\d+)" data-operation="(\w+)"')
TABLES = (Recommendation, Action, ActionUpdate, AuditEntry)


def counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in TABLES}


def row(**values: str) -> dict[str, str]:
    return values


def xlsx(rows: list[dict[str, str]], columns=COLUMNS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(columns))
    for values in rows:
        sheet.append([values.get(column, "") for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def semicolon_csv(rows: list[dict[str, str]], columns=COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(columns)
    for values in rows:
        writer.writerow([values.get(column, "") for column in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@pytest.fixture
def world(app, make_user, make_institution, make_event, auth, tmp_path):
    app.config["SPREADSHEET_IMPORT_FOLDER"] = str(tmp_path / "pending")
    make_institution("OIM")
    onm = make_institution("ONM", "Observatoire national de la migration")
    ins = make_institution("INS", "Institut national de la statistique")
    owner = make_user(Role.FOCAL_POINT, institution=onm, email="amel@onm.tn")
    other = make_user(Role.FOCAL_POINT, institution=ins, email="karim@ins.tn")
    make_user(Role.VIEWER, email="lecteur@example.org")
    event = make_event(ref="ATELIER-ONM-2024")
    coordinator = make_user(Role.COORDINATOR)
    auth.login(coordinator)
    return {"event": event, "owner": owner, "other": other, "coordinator": coordinator,
            "pending": tmp_path / "pending"}


def good_rows() -> list[dict[str, str]]:
    return [
        row(event_ref="ATELIER-ONM-2024", recommendation_ref="R1", recommendation_number="1",
            recommendation_title="Renforcer le système d'information",
            recommendation_text="Relier les bases de l'ONM et de l'INS.",
            theme="information_systems", gcm_objectives="1; 3", priority="high",
            action_ref="R1-A1", action_title="Cartographier les sources",
            owner_email="amel@onm.tn", lead_institution="ONM",
            contributing_institutions="INS, OIM", start_date="2024-06-01",
            deadline="2024-12-31"),
        row(event_ref="ATELIER-ONM-2024", recommendation_ref="R1", recommendation_number="1",
            recommendation_title="Renforcer le système d'information",
            recommendation_text="Relier les bases de l'ONM et de l'INS.",
            theme="information_systems", gcm_objectives="3,1", priority="high",
            action_ref="R1-A2", action_title="Former les gestionnaires",
            owner_email="KARIM@ins.tn", lead_institution="ins", deadline="2025-03-31",
            status="in_progress", progress="40"),
        row(event_ref="ATELIER-ONM-2024", recommendation_ref="R2", recommendation_number="2",
            recommendation_title="Créer des indicateurs", theme="indicators",
            gcm_objectives="23"),
    ]


def check(client, data: bytes, name: str = "plan.xlsx"):
    return client.post("/spreadsheets/import", data={"file": (io.BytesIO(data), name)})


def import_file(client, data: bytes, name: str = "plan.xlsx"):
    preview = check(client, data, name)
    assert preview.status_code == 200, preview.get_data(as_text=True)
    token = TOKEN_RE.search(preview.get_data(as_text=True)).group(1)
    return client.post("/spreadsheets/import/confirm", data={"token": token})


def operations(response) -> dict[int, str]:
    return {int(n): op for n, op in OPERATION_RE.findall(response.get_data(as_text=True))}


def test_a_good_workbook_creates_recommendations_and_actions(client, world):
    preview = check(client, xlsx(good_rows()))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "3 rows read from plan.xlsx." in page
    assert operations(preview) == {2: "create", 3: "create", 4: "create"}
    assert '<progress id="rows-ready" max="3" value="3">' in page
    assert counts()["Recommendation"] == 0  # the preview writes nothing

    token = TOKEN_RE.search(page).group(1)
    response = client.post("/spreadsheets/import/confirm", data={"token": token})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Spreadsheet imported (3 rows): 3 created, 0 updated, 0 unchanged." in page

    r1, r2 = db.session.scalars(select(Recommendation).order_by(Recommendation.ref)).all()
    assert (r1.ref, r1.number, r1.event_id, r1.theme.code, r1.priority.value) == (
        "R1", "1", world["event"].id, "information_systems", "high")
    assert r1.text == "Relier les bases de l'ONM et de l'INS."
    assert [o.number for o in r1.gcm_objectives] == [1, 3]
    assert [o.number for o in r2.gcm_objectives] == [23] and r2.actions == []
    first, second = r1.actions
    assert (first.ref, first.title, first.owner_id, first.lead_institution.code) == (
        "R1-A1", "Cartographier les sources", world["owner"].id, "ONM")
    assert [c.code for c in first.contributors] == ["INS", "OIM"]
    assert (first.start_date, first.deadline) == (date(2024, 6, 1), date(2024, 12, 31))
    assert (first.status, first.progress, first.version) == (Status.NOT_STARTED, 0, 1)
    assert (second.owner_id, second.lead_institution.code, second.contributors) == (
        world["other"].id, "INS", [])
    assert (second.status, second.progress) == (Status.IN_PROGRESS, 40)
    assert [u.kind for u in second.updates] == [UpdateKind.PROGRESS, UpdateKind.CREATED]
    assert not list(world["pending"].iterdir())  # the kept file is deleted once used


def test_reimporting_the_same_file_changes_nothing(client, world):
    data = xlsx(good_rows())
    import_file(client, data)
    before = counts()
    versions = dict(db.session.execute(select(Action.ref, Action.version)).all())

    preview = check(client, data)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert operations(preview) == {2: "unchanged", 3: "unchanged", 4: "unchanged"}
    assert "there is nothing to import" in page
    assert not TOKEN_RE.search(page)
    assert counts() == before
    assert dict(db.session.execute(select(Action.ref, Action.version)).all()) == versions


def test_a_file_with_bad_rows_is_refused_with_each_error_and_nothing_written(client, world):
    rows = good_rows()
    rows[0]["lead_institution"] = "NOPE"
    rows[1]["deadline"] = "31/02/2025"
    rows[2].update(action_ref="R2-A1", action_title="Lister les indicateurs",
                   lead_institution="ONM", deadline="2025-01-31")  # no owner
    rows.append(dict(rows[0], action_ref="R1-A3", lead_institution="ONM",
                     owner_email="inconnu@example.org"))
    rows.append(dict(rows[0], action_ref="R1-A4", lead_institution="ONM",
                     owner_email="lecteur@example.org", start_date="2025-01-01",
                     deadline="2024-01-01", progress="120"))
    before = counts()

    response = check(client, xlsx(rows))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = {(int(n), column): message for n, column, message in ERROR_ROW_RE.findall(page)}
    assert set(errors) == {(2, "lead_institution"), (3, "deadline"), (4, "owner_email"),
                           (5, "owner_email"), (6, "owner_email"), (6, "deadline"),
                           (6, "progress")}
    assert errors[(2, "lead_institution")] == "Unknown institution code NOPE."
    assert errors[(3, "deadline")].startswith("Bad date 31/02/2025")
    assert errors[(4, "owner_email")] == "A value is required."
    assert errors[(5, "owner_email")].startswith("Unknown owner email inconnu@example.org")
    assert "viewer" in errors[(6, "owner_email")]
    assert "Confirm the import" not in page
    assert counts() == before


def test_numbers_in_other_scripts_or_past_any_id_are_refused_as_unknown(client, world):
    rows = good_rows()
    rows[0]["event_ref"] = "²"
    rows[1]["event_ref"] = "99999999999999999999"
    rows[2]["gcm_objectives"] = "²; 99999999999999999999"

    response = check(client, xlsx(rows))
    errors = {(int(n), column): message for n, column, message
              in ERROR_ROW_RE.findall(response.get_data(as_text=True))}
    assert response.status_code == 422
    assert errors[(2, "event_ref")].startswith("Unknown event ²")
    assert errors[(3, "event_ref")].startswith("Unknown event 99999999999999999999")
    assert errors[(4, "gcm_objectives")].startswith("Unknown GCM objective ²")


def test_texts_longer_than_their_columns_are_refused_by_row_and_column(client, world):
    rows = good_rows()
    rows[0].update(action_title="T" * 301, action_description="D" * 5001)
    rows[2].update(recommendation_title="R" * 301, recommendation_text="X" * 20001)
    rows[1]["action_title"] = ""

    response = check(client, xlsx(rows))
    errors = {(int(n), column): message for n, column, message
              in ERROR_ROW_RE.findall(response.get_data(as_text=True))}
    assert response.status_code == 422
    assert errors == {
        (2, "action_title"): "Use at most 300 characters.",
        (2, "action_description"): "Use at most 5000 characters.",
        (3, "action_title"): "A value is required.",
        (4, "recommendation_title"): "Use at most 300 characters.",
        (4, "recommendation_text"): "Use at most 20000 characters.",
    }


def test_a_semicolon_csv_with_a_bom_and_french_dates_is_imported(client, world):
    rows = good_rows()
    rows[0].update(start_date="01/06/2024", deadline="31/12/2024")
    response = import_file(client, semicolon_csv(rows), "plan.csv")
    assert response.status_code == 302
    action = db.session.scalar(select(Action).where(Action.ref == "R1-A1"))
    assert (action.start_date, action.deadline) == (date(2024, 6, 1), date(2024, 12, 31))
    assert [c.code for c in action.contributors] == ["INS", "OIM"]
    assert db.session.scalar(select(func.count()).select_from(Recommendation)) == 2


def test_changing_a_title_updates_exactly_that_row(client, world):
    rows = good_rows()
    import_file(client, xlsx(rows))
    before = counts()
    untouched = db.session.scalar(select(Action).where(Action.ref == "R1-A2"))
    untouched_version = untouched.version

    rows[0]["action_title"] = "Cartographier toutes les sources"
    preview = check(client, xlsx(rows))
    assert operations(preview) == {2: "update", 3: "unchanged", 4: "unchanged"}
    assert "Changes: action_title" in preview.get_data(as_text=True)
    token = TOKEN_RE.search(preview.get_data(as_text=True)).group(1)
    response = client.post("/spreadsheets/import/confirm", data={"token": token})
    assert response.status_code == 302

    after = counts()
    assert after == dict(before, ActionUpdate=before["ActionUpdate"] + 1)
    edited = db.session.scalar(select(Action).where(Action.ref == "R1-A1"))
    assert edited.title == "Cartographier toutes les sources"
    entry = edited.updates[0]
    assert entry.kind == UpdateKind.EDITED
    assert entry.changes == {"title": ["Cartographier les sources",
                                       "Cartographier toutes les sources"]}
    assert entry.author_id == world["coordinator"].id
    assert db.session.get(Action, untouched.id).version == untouched_version


def test_the_data_is_checked_again_on_confirm(client, world):
    preview = check(client, xlsx(good_rows()))
    token = TOKEN_RE.search(preview.get_data(as_text=True)).group(1)
    world["owner"].active = False  # the owner leaves between the preview and the confirm
    db.session.commit()
    before = counts()

    response = client.post("/spreadsheets/import/confirm", data={"token": token})
    assert response.status_code == 422
    assert "The account of amel@onm.tn is inactive." in response.get_data(as_text=True)
    assert counts() == before
    # The kept file is used once: confirming again says to send it again.
    again = client.post("/spreadsheets/import/confirm", data={"token": token})
    assert again.status_code == 410
    assert "send the file again" in again.get_data(as_text=True)


def test_a_focal_point_may_not_import(client, auth, world, make_user):
    auth.logout()
    auth.login(make_user(Role.FOCAL_POINT))
    assert client.get("/spreadsheets/import").status_code == 403
    assert check(client, xlsx(good_rows())).status_code == 403
    assert client.post("/spreadsheets/import/confirm",
                       data={"token": "a" * 32}).status_code == 403
    assert client.get("/spreadsheets/template.xlsx").status_code == 403
    assert counts()["Recommendation"] == 0


@pytest.mark.parametrize(("name", "content", "status", "message"), [
    ("plan.pdf", b"%PDF-1.4", 422,
     "plan.pdf is not a type the importer reads: send an .xlsx or .csv file."),
    ("plan.xls", b"\xd0\xcf\x11\xe0", 422, "save it as an Excel workbook (.xlsx)"),
    ("plan.xlsx", b"not a zip", 422, "plan.xlsx cannot be read: the file is damaged"),
    ("plan.csv", b"", 422, "plan.csv is empty."),
    ("plan.csv", b"event_ref;x\n" * 200, 413, "plan.csv is larger than the 1 KB allowed."),
], ids=["pdf", "xls", "damaged", "empty", "too big"])
def test_an_unreadable_file_is_refused_with_a_message(app, client, world, name, content,
                                                      status, message):
    app.config["SPREADSHEET_MAX_BYTES"] = 1024
    response = check(client, content, name)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_the_templates_download_and_have_the_expected_header(client, world):
    response = client.get("/spreadsheets/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    actions, help_sheet, lists = workbook.worksheets
    header, example = list(actions.iter_rows(values_only=True))[:2]
    assert list(header) == list(COLUMNS)
    assert example[COLUMNS.index("action_ref")] == "ONM-2024-R1-A1"
    explained = [r[0] for r in help_sheet.iter_rows(min_row=2, values_only=True) if r[0]]
    assert explained[:len(COLUMNS)] == list(COLUMNS)
    assert any("updates" in (r[2] or "") for r in help_sheet.iter_rows(values_only=True)
               if r[0] == "status")
    assert ("ONM", "Observatoire national de la migration") in {
        r[:2] for r in lists.iter_rows(values_only=True)}
    workbook.close()

    response = client.get("/spreadsheets/template.csv")
    assert response.status_code == 200
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    assert next(csv.reader(io.StringIO(text[1:]), delimiter=";")) == list(COLUMNS)


def many_rows(count: int) -> list[dict[str, str]]:
    first = good_rows()[0]
    return [{**first, "action_ref": f"R1-A{n}", "action_title": f"Action {n}"}
            for n in range(1, count + 1)]


def confirm_in_background(app, client, rows: int) -> str:
    """Check a file of `rows` rows, confirm it, and return the page that follows its import."""
    app.config["SPREADSHEET_BACKGROUND_ROWS"] = 40
    preview = check(client, xlsx(many_rows(rows)))
    token = TOKEN_RE.search(preview.get_data(as_text=True)).group(1)
    response = client.post("/spreadsheets/import/confirm", data={"token": token})
    assert response.status_code == 303
    return response.headers["Location"]


def run_jobs(runner) -> str:
    result = runner.invoke(args=["jobs", "run"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_long_import_is_queued_for_the_worker_and_shows_its_progress(app, client, runner,
                                                                      world):
    location = confirm_in_background(app, client, 60)
    job = db.session.scalars(select(Job)).one()
    assert location.endswith(f"/spreadsheets/import/{job.id}")

    # The web only queued it: nothing is written until the worker runs it.
    page = client.get(location)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'http-equiv="refresh"' in text
    assert '<progress id="import-progress" max="60" value="0">' in text
    assert "Waiting for the worker" not in text
    assert job.state == JobState.QUEUED
    assert db.session.scalar(select(func.count()).select_from(Action)) == 0

    assert run_jobs(runner).strip() == "Jobs: 1 done, 0 failed."
    done = client.get(location)
    assert done.status_code == 302
    summary = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Spreadsheet imported (60 rows): 60 created, 0 updated, 0 unchanged." in summary
    assert db.session.scalar(select(func.count()).select_from(Action)) == 60
    assert db.session.scalar(select(func.count()).select_from(Recommendation)) == 1
    assert (job.state, job.progress_done, job.attempts) == (JobState.DONE, 60, 1)


def test_the_progress_page_says_when_no_worker_has_taken_the_import(app, client, world):
    location = confirm_in_background(app, client, 45)
    job = db.session.scalars(select(Job)).one()
    job.created_at -= timedelta(minutes=5)
    db.session.commit()

    page = client.get(location).get_data(as_text=True)
    assert "Waiting for the worker" in page
    assert 'http-equiv="refresh"' in page


def test_a_background_import_that_fails_writes_nothing_and_says_why(app, client, runner,
                                                                   world):
    location = confirm_in_background(app, client, 60)
    before = counts()
    # Between the confirmation and the worker's run, the owner named in every row leaves.
    world["owner"].email = "parti@onm.tn"
    db.session.commit()

    assert run_jobs(runner).strip() == "Jobs: 0 done, 1 failed."
    outcome = client.get(location)
    page = outcome.get_data(as_text=True)
    assert outcome.status_code == 200
    assert "The import failed" in page
    assert "the file now has errors, and nothing was imported." in page
    assert 'http-equiv="refresh"' not in page
    assert counts() == before


def test_a_failed_import_says_why_in_the_language_of_its_user(app, client, runner, world):
    world["coordinator"].locale = "fr"
    db.session.commit()
    location = confirm_in_background(app, client, 45)
    world["owner"].email = "parti@onm.tn"
    db.session.commit()

    run_jobs(runner)
    page = client.get(location).get_data(as_text=True)
    assert "L'import a échoué" in page
    assert ("Les données de l'outil de suivi ont changé depuis l'aperçu : le fichier "
            "comporte désormais des erreurs, et rien n'a été importé.") in html.unescape(page)


def test_the_progress_of_an_import_is_shown_to_its_user_and_admins_only(
        app, client, runner, auth, world, make_user):
    location = confirm_in_background(app, client, 45)

    auth.logout()
    auth.login(make_user(Role.COORDINATOR, email="autre@onm.tn"))
    assert client.get(location).status_code == 404
    assert client.get("/spreadsheets/import/not-a-token").status_code == 404
    assert client.get("/spreadsheets/import/999999").status_code == 404
    assert client.get("/spreadsheets/import/99999999999999").status_code == 404

    auth.logout()
    auth.login(make_user(Role.ADMIN, email="admin@onm.tn"))
    assert client.get(location).status_code == 200
