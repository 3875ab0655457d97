"""What people do in a real browser: update with evidence, validate, look, export."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import axe_violations, login, screenshot
from tests.conftest import PASSWORD
from tracker.actions.services import Change, Reading, record_update
from tracker.extensions import db
from tracker.indicators.services import add_indicator
from tracker.models import Role, Status

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def people(make_user, make_institution, make_action, make_event, make_recommendation):
    onm = make_institution("ONM", "Observatoire National de la Migration")
    focal = make_user(Role.FOCAL_POINT, institution=onm, name="Leila Trabelsi",
                      email="leila@onm.example")
    coordinator = make_user(Role.COORDINATOR, name="Karim Ben Salah",
                            email="karim@onm.example")
    event = make_event(title="Atelier national pour le 10e anniversaire de l'ONM")
    recommendation = make_recommendation(
        event=event, number="1",
        title="Renforcement des capacités institutionnelles et du système d'information")
    action = make_action(owner=focal, recommendation=recommendation,
                         title="Cartographier les sources de données migratoires",
                         deadline=date.today() + timedelta(days=5))
    make_action(owner=focal, recommendation=recommendation, title="Former les statisticiens",
                deadline=date.today() - timedelta(days=3))
    # An indicator with a value, so the pages show its chart and the update form its field.
    indicator = add_indicator(coordinator, {
        "name": "Sources de données cartographiées", "unit": "sources",
        "baseline_value": 0, "baseline_date": date.today() - timedelta(days=60),
        "target_value": 12, "target_date": date.today() + timedelta(days=120)}, action=action)
    record_update(focal, action, action.version, Change(
        status=action.status, progress=action.progress,
        readings=[Reading(indicator, 5, date.today() - timedelta(days=2))]))
    db.session.commit()
    return {"focal": focal, "coordinator": coordinator, "action": action, "event": event}


def test_focal_point_reports_completion_with_evidence_and_coordinator_validates(
        new_page, people, tmp_path):
    report = tmp_path / "cartographie.pdf"
    report.write_bytes(PDF)
    action = people["action"]

    focal = new_page(width=390)  # focal points often update from a phone
    login(focal, people["focal"].email, PASSWORD)
    assert focal.url.endswith("/my-actions")
    screenshot(focal, "my-actions-phone")
    focal.get_by_role("link", name=action.title).first.click()
    focal.select_option("#status", "completed")
    focal.fill("#progress", "100")
    focal.fill("#comment", "Cartographie terminée, rapport joint.")
    focal.set_input_files("#files", str(report))
    focal.locator("form[enctype] button[type=submit]").click()
    focal.wait_for_load_state()
    assert focal.locator(".status-pending_validation").first.is_visible()
    assert focal.get_by_role("link", name="cartographie.pdf").is_visible()
    screenshot(focal, "action-reported-phone")

    coordinator = new_page()
    login(coordinator, people["coordinator"].email, PASSWORD)
    coordinator.goto("/review")
    screenshot(coordinator, "review-queue")
    coordinator.get_by_role("link", name=action.title).click()
    coordinator.select_option("#decision", "validate")
    coordinator.fill("#review-heading ~ form #comment", "Validé en réunion de suivi.")
    coordinator.locator("#review-heading ~ form button[type=submit]").click()
    coordinator.wait_for_load_state()
    assert coordinator.url.endswith("/review")
    assert coordinator.get_by_role("link", name=action.title).count() == 0

    db.session.refresh(action)
    assert action.status == Status.COMPLETED
    coordinator.goto(f"/actions/{action.id}")
    assert coordinator.locator(".status-completed").first.is_visible()
    screenshot(coordinator, "action-validated")

    coordinator.goto("/dashboard")
    assert coordinator.locator("main").is_visible()
    screenshot(coordinator, "dashboard")


def test_exports_download_and_open(new_page, people):
    page = new_page()
    login(page, people["coordinator"].email, PASSWORD)
    page.goto("/actions")
    screenshot(page, "actions-list")
    with page.expect_download() as csv_download:
        page.locator("a[href*='export.csv']").click()
    text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 3
    assert {r[1] for r in rows[1:]} == {"Cartographier les sources de données migratoires",
                                       "Former les statisticiens"}
    with page.expect_download() as xlsx_download:
        page.locator("a[href*='export.xlsx']").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes())).active
    assert sheet.max_row == 3


@pytest.mark.parametrize("path", ["/login", "/my-actions", "/actions", "/actions/{action}",
                                  "/events", "/events/{event}", "/review", "/dashboard",
                                  "/recommendations", "/events/{event}/report", "/profile",
                                  "/spreadsheets/import", "/api/v1/docs"])
def test_main_pages_have_no_serious_accessibility_violation(new_page, people, path):
    page = new_page(bypass_csp=True)  # lets axe-core be injected into the page
    if path != "/login":
        login(page, people["coordinator"].email, PASSWORD)
    page.goto(path.format(action=people["action"].id, event=people["event"].id))
    violations = axe_violations(page)
    assert violations == [], violations


@pytest.mark.parametrize("path", ["/login", "/my-actions", "/actions", "/actions/{action}",
                                  "/events/{event}", "/dashboard", "/recommendations",
                                  "/events/{event}/report", "/profile"])
def test_pages_do_not_scroll_sideways_on_a_375px_phone(new_page, people, path):
    page = new_page(width=375)
    if path != "/login":
        login(page, people["focal"].email, PASSWORD)
    page.goto(path.format(action=people["action"].id, event=people["event"].id))
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
