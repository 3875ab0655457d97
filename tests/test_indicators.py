"""Indicators: coordinators define them, focal points measure them, pages chart them."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, insert, select

from tests.conftest import count_queries
from tracker import clock
from tracker.actions.services import Change, Reading, record_update
from tracker.extensions import db
from tracker.indicators import queries as indicator_queries
from tracker.indicators.services import add_indicator
from tracker.models import (
    Action,
    ActionUpdate,
    AuditEntry,
    Event,
    Indicator,
    Measurement,
    Role,
    Status,
    UpdateKind,
    User,
)
from tracker.models.types import utcnow

ONM = "onm-10-ans"
GUIDE = "Publier un guide terminologique sur la migration à l'usage des médias"
DEMO_PASSWORDS = {"coordination@demo.tracker.tn": "demo-coord-2026",
                  "point.focal@demo.tracker.tn": "demo-focal-2026",
                  "ins@demo.tracker.tn": "demo-focal2-2026",
                  "lecture@demo.tracker.tn": "demo-viewer-2026"}


@pytest.fixture
def demo(runner):
    """Load the demo data."""
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def as_demo(client, demo):
    """Return a way to log in as one of the demo's accounts."""

    def login(email: str) -> None:
        client.post("/logout")
        response = client.post("/login", data={"email": email,
                                               "password": DEMO_PASSWORDS[email]})
        assert response.status_code == 302, email

    return login


def _guide() -> Action:
    return db.session.scalar(select(Action).where(Action.title.startswith(GUIDE[:40])))


def _onm() -> Event:
    return db.session.scalar(select(Event).where(Event.ref == ONM))


def _indicator_data(**values) -> dict[str, str]:
    today = date.today()
    data = {"name": "Articles de presse utilisant le guide", "unit": "articles",
            "baseline_value": "0", "baseline_date": (today - timedelta(days=100)).isoformat(),
            "target_value": "10", "target_date": (today + timedelta(days=100)).isoformat(),
            "data_source": "Revue de presse de l'ONM",
            "disaggregation": "Région"}
    data.update(values)
    return data


def _update_data(action: Action, **values) -> dict[str, str]:
    data = {"status": action.status.value, "progress": str(action.progress),
            "version": str(action.version), "comment": ""}
    data.update(values)
    return data


def _kpi(page: str, name: str) -> int:
    match = re.search(rf'id="kpi-indicators-{name}">(\d+)<', page)
    assert match, f"no {name} count on the dashboard"
    return int(match.group(1))


# The scenario the feature is done with ------------------------------------------------

def test_coordinator_defines_focal_point_measures_pages_and_dashboard_follow(client, as_demo):
    guide = _guide()
    today = clock.today()
    dashboard = f"/dashboard?event={_onm().id}"

    as_demo("coordination@demo.tracker.tn")
    page = client.get(f"/actions/{guide.id}").get_data(as_text=True)
    assert f"/actions/{guide.id}/indicators/new" in page
    assert client.get(f"/actions/{guide.id}/indicators/new").status_code == 200
    response = client.post(f"/actions/{guide.id}/indicators/new", data=_indicator_data())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/actions/{guide.id}#indicators")
    indicator = db.session.scalar(select(Indicator).where(Indicator.action_id == guide.id))
    assert (indicator.baseline_value, indicator.target_value) == (0, 10)
    assert indicator.disaggregation == "Région"
    added = db.session.scalars(select(ActionUpdate).where(
        ActionUpdate.action_id == guide.id, ActionUpdate.kind == UpdateKind.EDITED)).all()
    assert [e.changes["indicator"][1]["name"] for e in added] == [indicator.name]
    before = client.get(dashboard).get_data(as_text=True)

    as_demo("point.focal@demo.tracker.tn")
    page = client.get(f"/actions/{guide.id}").get_data(as_text=True)
    assert f'name="indicator_{indicator.id}_value"' in page
    assert "No value measured yet." in page
    # A value alone: a measurement row, status and progress unchanged.
    response = client.post(f"/actions/{guide.id}/update", data=_update_data(guide, **{
        f"indicator_{indicator.id}_value": "3",
        f"indicator_{indicator.id}_date": (today - timedelta(days=50)).isoformat(),
        "comment": "Trois articles relevés"}))
    assert response.status_code == 302
    db.session.refresh(guide)
    # With a progress change: the progress row carries the value.
    response = client.post(f"/actions/{guide.id}/update", data=_update_data(guide, **{
        "progress": str(guide.progress + 10),
        f"indicator_{indicator.id}_value": "6,5",
        f"indicator_{indicator.id}_date": today.isoformat()}))
    assert response.status_code == 302

    measurements = db.session.scalars(select(Measurement).where(
        Measurement.indicator_id == indicator.id).order_by(Measurement.id)).all()
    assert [(m.value, m.measured_on) for m in measurements] == [
        (3, today - timedelta(days=50)), (6.5, today)]
    assert [m.update.kind for m in measurements] == [UpdateKind.MEASUREMENT, UpdateKind.PROGRESS]
    assert measurements[0].comment == "Trois articles relevés"
    assert measurements[1].update.new_progress == measurements[1].update.old_progress + 10
    assert {m.author.email for m in measurements} == {"point.focal@demo.tracker.tn"}

    page = client.get(f"/actions/{guide.id}").get_data(as_text=True)
    panel = page[page.index(f'id="indicator-{indicator.id}"'):]
    assert 'class="indicator-latest-value"><bdi>6.5 articles</bdi><' in panel
    assert "65 % of the way from baseline to target" in panel
    assert "50 % of the time elapsed" in panel
    assert "Progressing as planned" in panel
    chart = panel[panel.index("<svg"):panel.index("</svg>")]
    assert chart.count("<circle") == 4  # baseline, target and the two values
    assert 'stroke="#0b5cad"' in chart and "6.5 articles" in chart
    assert "<table" in panel and "3 articles" in panel  # the figures for screen readers
    assert "Indicator values recorded:" in page  # the history lists both values
    assert page.count(f"{indicator.name}: 6.5 articles") == 1
    assert page.count(f"{indicator.name}: 3 articles") == 1

    after = client.get(dashboard).get_data(as_text=True)
    assert _kpi(after, "on-track") == _kpi(before, "on-track") + 1
    assert _kpi(after, "stale") == _kpi(before, "stale") - 1
    assert "progresses as planned when its latest value covers" in after


# Permissions ---------------------------------------------------------------------------

def test_focal_point_cannot_add_edit_or_remove_indicators(client, as_demo):
    guide = _guide()
    as_demo("point.focal@demo.tracker.tn")
    assert client.get(f"/actions/{guide.id}/indicators/new").status_code == 403
    assert client.post(f"/actions/{guide.id}/indicators/new",
                       data=_indicator_data()).status_code == 403
    demo_indicator = db.session.scalar(select(Indicator).order_by(Indicator.id))
    assert client.post(f"/indicators/{demo_indicator.id}/edit",
                       data=_indicator_data()).status_code == 403
    assert client.post(f"/indicators/{demo_indicator.id}/delete").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Indicator)) == 3
    page = client.get(f"/actions/{demo_indicator.action_id}").get_data(as_text=True)
    assert "Add an indicator" not in page and "Remove the indicator" not in page


def test_focal_point_of_another_institution_and_viewer_cannot_record(client, as_demo):
    indicator = db.session.scalar(select(Indicator).order_by(Indicator.id))
    action = indicator.action
    assert action.lead_institution.code == "ONM"
    count = db.session.scalar(select(func.count()).select_from(Measurement))
    data = _update_data(action, **{f"indicator_{indicator.id}_value": "7",
                                   f"indicator_{indicator.id}_date": date.today().isoformat()})
    for email in ("ins@demo.tracker.tn", "lecture@demo.tracker.tn"):
        as_demo(email)
        assert client.post(f"/actions/{action.id}/update", data=data).status_code == 403
        page = client.get(f"/actions/{action.id}").get_data(as_text=True)
        assert f"indicator_{indicator.id}_value" not in page
        assert "<svg" in page  # everyone signed in sees the chart
    assert db.session.scalar(select(func.count()).select_from(Measurement)) == count


# Validation ----------------------------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    ({"target_date": (date.today() - timedelta(days=200)).isoformat()},
     "The target date must be after the baseline date."),
    ({"target_date": (date.today() - timedelta(days=100)).isoformat()},
     "The target date must be after the baseline date."),
    ({"baseline_value": "nan"}, "Enter a number"),
    ({"target_value": "inf"}, "Enter a number"),
    ({"target_value": "1e400"}, "Enter a number"),
    ({"target_value": "douze"}, "Enter a number"),
    ({"target_value": "1" * 20}, "This number is too large."),
    ({"baseline_value": ""}, "This field is required."),
    ({"name": ""}, "This field is required."),
])
def test_bad_indicator_is_refused_with_a_message_and_nothing_written(
        client, as_demo, change, message):
    guide = _guide()
    as_demo("coordination@demo.tracker.tn")
    history = db.session.scalar(select(func.count()).select_from(ActionUpdate))
    response = client.post(f"/actions/{guide.id}/indicators/new",
                           data=_indicator_data(**change))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Indicator)) == 3
    assert db.session.scalar(select(func.count()).select_from(ActionUpdate)) == history


@pytest.mark.parametrize("value, day, message", [
    ("douze", 0, "Enter a number"),
    ("nan", 0, "Enter a number"),
    ("12", -1, "A value cannot be dated in the future."),
    ("12", 200, "A value cannot be dated before the baseline date"),
    ("12", None, "Give the date of this value."),
])
def test_bad_measurement_leaves_neither_the_update_nor_the_value(
        client, as_demo, value, day, message):
    indicator = db.session.scalar(select(Indicator).order_by(Indicator.id))
    action = indicator.action
    as_demo("point.focal@demo.tracker.tn")
    counts = (db.session.scalar(select(func.count()).select_from(ActionUpdate)),
              db.session.scalar(select(func.count()).select_from(Measurement)))
    progress = action.progress
    response = client.post(f"/actions/{action.id}/update", data=_update_data(action, **{
        "progress": str(progress + 5), "comment": "Avancement",
        f"indicator_{indicator.id}_value": value,
        f"indicator_{indicator.id}_date": "" if day is None
        else (date.today() - timedelta(days=day)).isoformat()}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (db.session.scalar(select(func.count()).select_from(ActionUpdate)),
            db.session.scalar(select(func.count()).select_from(Measurement))) == counts
    db.session.refresh(action)
    assert action.progress == progress


def test_an_update_without_any_value_still_needs_a_change(client, as_demo):
    indicator = db.session.scalar(select(Indicator).order_by(Indicator.id))
    action = indicator.action
    as_demo("point.focal@demo.tracker.tn")
    response = client.post(f"/actions/{action.id}/update", data=_update_data(action))
    assert response.status_code == 422
    assert "Nothing to record" in response.get_data(as_text=True)


# History -------------------------------------------------------------------------------

def test_editing_and_removing_an_action_indicator_leave_history_rows(client, as_demo):
    indicator = db.session.scalar(select(Indicator).order_by(Indicator.id))
    indicator_id, action_id, name = indicator.id, indicator.action_id, indicator.name
    shown = str(escape(name))
    as_demo("coordination@demo.tracker.tn")
    assert client.get(f"/indicators/{indicator.id}/edit").status_code == 200
    data = {"name": name, "unit": indicator.unit, "baseline_value": "0",
            "baseline_date": indicator.baseline_date.isoformat(), "target_value": "12",
            "target_date": indicator.target_date.isoformat(),
            "data_source": indicator.data_source, "disaggregation": "Sexe",
            "version": indicator.version}
    response = client.post(f"/indicators/{indicator.id}/edit", data=data)
    assert response.status_code == 302
    edited = db.session.scalars(select(ActionUpdate).where(
        ActionUpdate.action_id == action_id, ActionUpdate.kind == UpdateKind.EDITED)
        .order_by(ActionUpdate.id.desc())).first()
    old, new = edited.changes["indicator"]
    assert (old["target_value"], new["target_value"]) == (8, 12)
    assert (old["disaggregation"], new["disaggregation"]) == ("", "Sexe")
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert f"Indicator changed: {shown}." in page
    assert "target value: 8 institutions → 12 institutions; disaggregation: — → Sexe." in page

    response = client.post(f"/indicators/{indicator_id}/delete")
    assert response.status_code == 302
    assert db.session.scalar(select(Indicator.id).where(Indicator.id == indicator_id)) is None
    assert db.session.scalar(select(func.count()).select_from(Measurement).where(
        Measurement.indicator_id == indicator_id)) == 0
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert f"Indicator removed: {shown}. 2 recorded values were removed with it." in page
    # The updates that recorded the values still say what they were.
    assert f"{shown}: 4 institutions" in page


def test_a_recommendation_indicator_is_measured_by_its_actions_focal_points(client, as_demo):
    guide = _guide()
    recommendation = guide.recommendation
    as_demo("coordination@demo.tracker.tn")
    response = client.post(f"/recommendations/{recommendation.id}/indicators/new",
                           data=_indicator_data(name="Journalistes formés", unit="personnes",
                                                target_value="40"))
    assert response.status_code == 302
    indicator = db.session.scalar(select(Indicator).where(
        Indicator.recommendation_id == recommendation.id))
    audit = db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "indicator", AuditEntry.object_id == indicator.id)).all()
    assert [a.verb for a in audit] == ["create"]

    as_demo("ins@demo.tracker.tn")  # no action of this recommendation
    assert client.get(f"/indicators/{indicator.id}/measurements/new").status_code == 403
    as_demo("lecture@demo.tracker.tn")
    assert client.post(f"/indicators/{indicator.id}/measurements/new",
                       data={"value": "5"}).status_code == 403

    as_demo("point.focal@demo.tracker.tn")
    page = client.get(f"/recommendations/{recommendation.id}").get_data(as_text=True)
    assert f"/indicators/{indicator.id}/measurements/new" in page
    response = client.post(f"/indicators/{indicator.id}/measurements/new", data={
        "value": "douze", "measured_on": date.today().isoformat()})
    assert response.status_code == 422
    response = client.post(f"/indicators/{indicator.id}/measurements/new", data={
        "value": "22", "measured_on": date.today().isoformat(), "comment": "Deux sessions"})
    assert response.status_code == 302
    [measurement] = db.session.scalars(select(Measurement).where(
        Measurement.indicator_id == indicator.id)).all()
    assert (measurement.value, measurement.update_id, measurement.comment) == (
        22, None, "Deux sessions")
    verbs = db.session.scalars(select(AuditEntry.verb).where(
        AuditEntry.object_type == "indicator", AuditEntry.object_id == indicator.id)
        .order_by(AuditEntry.id)).all()
    assert verbs == ["create", "measure"]
    page = client.get(f"/recommendations/{recommendation.id}").get_data(as_text=True)
    assert "22 personnes" in page and "55 % of the way" in page and "<svg" in page


# How far along: decreasing targets, flat ranges ---------------------------------------

def test_a_decreasing_target_counts_the_way_down(client, auth, make_action, make_user):
    coordinator = make_user(Role.COORDINATOR)
    action = make_action()
    today = date.today()
    indicator = add_indicator(coordinator, {
        "name": "Délai de traitement", "unit": "jours", "baseline_value": 90.0,
        "baseline_date": today - timedelta(days=50), "target_value": 30.0,
        "target_date": today + timedelta(days=50)}, action=action)
    record_update(action.owner, action, None, Change(
        status=action.status, progress=0, readings=[Reading(indicator, 60.0, today)]))
    db.session.commit()
    auth.login(coordinator)
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "50 % of the way from baseline to target" in page
    assert "Progressing as planned" in page


def test_share_covered_handles_decreasing_and_flat_ranges():
    assert indicator_queries.share_covered(90, 30, 60) == 0.5
    assert indicator_queries.share_covered(90, 30, 100) < 0
    assert indicator_queries.share_covered(10, 10, 10) == 1.0
    assert indicator_queries.share_covered(10, 10, 12) == 0.0
    day = date(2026, 1, 1)
    assert indicator_queries.time_elapsed(day, day + timedelta(days=10), day) == 0
    assert indicator_queries.time_elapsed(day, day + timedelta(days=10),
                                          day + timedelta(days=30)) == 1


@pytest.mark.parametrize("value, age, state", [
    (5.0, 0, "on_track"),      # half the way at half the time
    (4.0, 0, "on_track"),      # 40 % at 50 %: within the 10 points of tolerance
    (3.0, 0, "off_track"),
    (9.0, 91, "no_recent_data"),
    (None, None, "no_recent_data"),
])
def test_state_follows_the_documented_rules(app, value, age, state):
    today = date(2026, 6, 1)
    assessment = indicator_queries.assess(
        0.0, today - timedelta(days=100), 10.0, today + timedelta(days=100), value,
        None if age is None else today - timedelta(days=age), today,
        indicator_queries.settings())
    assert assessment.state == state


def test_thresholds_are_configurable(app):
    app.config.update(INDICATOR_STALE_DAYS=30, INDICATOR_TOLERANCE=0)
    rules = indicator_queries.settings()
    assert (rules.stale_days, rules.tolerance) == (30, 0)
    today = date(2026, 6, 1)
    assessment = indicator_queries.assess(0.0, today - timedelta(days=100), 10.0,
                                          today + timedelta(days=100), 4.0,
                                          today - timedelta(days=31), today, rules)
    assert assessment.state == "no_recent_data"


# Exports, report, demo -----------------------------------------------------------------

def test_exports_summarise_indicators_with_their_latest_values(client, as_demo):
    as_demo("lecture@demo.tracker.tn")
    response = client.get(f"/actions/export.csv?event={_onm().id}")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][-1] == "Indicators"
    by_title = {row[1]: row[-1] for row in rows[1:]}
    module = next(v for k, v in by_title.items() if k.startswith("Mettre en place un module"))
    assert module == ("Institutions partenaires raccordées au module d'échange de données: "
                      "4/8 institutions")
    assert by_title[GUIDE] == ""

    from openpyxl import load_workbook
    response = client.get(f"/actions/export.xlsx?event={_onm().id}")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][-1] == "Indicators"
    assert any(row[-1] and row[-1].endswith(": 38/30 jours") for row in values[1:])


def test_report_lists_indicators_under_their_recommendation(client, as_demo):
    as_demo("lecture@demo.tracker.tn")
    page = client.get(f"/events/{_onm().id}/report").get_data(as_text=True)
    assert page.count('class="report-indicators"') == 3
    table = page[page.index("Indicateurs nationaux validés"):]
    table = table[:table.index("</tr>")]
    assert "8 indicateurs" in table and "20 indicateurs" in table and "40 %" in table
    response = client.get(f"/events/{_onm().id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_demo_gives_onm_actions_indicators_once(runner, client, as_demo):
    counts = (db.session.scalar(select(func.count()).select_from(Indicator)),
              db.session.scalar(select(func.count()).select_from(Measurement)),
              db.session.scalar(select(func.count()).select_from(ActionUpdate)))
    assert counts[:2] == (3, 6)
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0 and "(0 rows created)" in result.output
    assert (db.session.scalar(select(func.count()).select_from(Indicator)),
            db.session.scalar(select(func.count()).select_from(Measurement)),
            db.session.scalar(select(func.count()).select_from(ActionUpdate))) == counts
    assert len(set(db.session.scalars(select(Indicator.action_id)))) == 3
    as_demo("point.focal@demo.tracker.tn")
    for indicator in db.session.scalars(select(Indicator)):
        assert indicator.action.recommendation.event.ref == ONM
        page = client.get(f"/actions/{indicator.action_id}").get_data(as_text=True)
        assert page.count("<svg") == 1 and "Latest value:" in page
    page = client.get(f"/dashboard?event={_onm().id}").get_data(as_text=True)
    assert _kpi(page, "on-track") + _kpi(page, "off-track") == 3


# A fixed number of queries -------------------------------------------------------------

def _bulk(n: int, start: int, recommendation_ids: list[int], owner: User, today: date) -> None:
    """Insert `n` actions, each with an indicator and two measurements."""
    now = utcnow()
    db.session.execute(insert(Action), [{
        "recommendation_id": recommendation_ids[i % len(recommendation_ids)],
        "title": f"Bulk action {i}", "description": "", "owner_id": owner.id,
        "lead_institution_id": owner.institution_id, "deadline": today + timedelta(days=i % 90),
        "status": Status.IN_PROGRESS, "progress": i % 100, "version": 1,
        "created_at": now, "updated_at": now} for i in range(start, start + n)])
    actions = db.session.scalars(select(Action.id).where(
        Action.title.like("Bulk action %"), ~Action.id.in_(select(Indicator.action_id).where(
            Indicator.action_id.is_not(None))))).all()
    db.session.execute(insert(Indicator), [{
        "action_id": action_id, "name": f"Indicator {action_id}", "unit": "%",
        "baseline_value": 0, "baseline_date": today - timedelta(days=100),
        "target_value": 100, "target_date": today + timedelta(days=100), "data_source": "",
        "disaggregation": "", "created_at": now} for action_id in actions])
    indicators = db.session.scalars(select(Indicator.id).where(
        ~Indicator.measurements.any())).all()
    db.session.execute(insert(Measurement), [{
        "indicator_id": indicator_id, "value": (indicator_id * k) % 100,
        "measured_on": today - timedelta(days=(indicator_id * k) % 150), "comment": "",
        "created_at": now} for indicator_id in indicators for k in (1, 2)])
    db.session.commit()


def test_dashboard_and_report_run_the_same_number_of_queries_for_10_or_1000_indicators(
        client, auth, make_event, make_recommendation, make_user):
    today = date.today()
    event = make_event()
    recommendations = [make_recommendation(event=event) for _ in range(4)]
    owner = make_user(Role.FOCAL_POINT)
    auth.login(make_user(Role.COORDINATOR))
    add_indicator(owner, {"name": "Of the recommendation", "baseline_value": 0.0,
                          "baseline_date": today - timedelta(days=10), "target_value": 5.0,
                          "target_date": today + timedelta(days=10)},
                  recommendation=recommendations[0])
    db.session.commit()
    urls = ["/dashboard", f"/dashboard?event={event.id}", f"/events/{event.id}/report",
            f"/recommendations/{recommendations[0].id}"]

    def queries() -> list[int]:
        result = []
        for url in urls:
            with count_queries() as statements:
                response = client.get(url)
            assert response.status_code == 200, url
            result.append(len(statements))
        return result

    _bulk(10, 0, [r.id for r in recommendations], owner, today)
    few = queries()
    _bulk(990, 10, [r.id for r in recommendations], owner, today)
    many = queries()
    assert few == many
    page = client.get("/dashboard").get_data(as_text=True)
    counted = sum(_kpi(page, name) for name in ("on-track", "off-track", "stale"))
    assert counted == 1001


def test_counts_leave_out_cancelled_actions_and_other_events(
        app, make_action, make_event, make_recommendation, make_user):
    today = date.today()
    owner = make_user(Role.FOCAL_POINT)
    events = [make_event(title=f"Atelier {n}") for n in range(2)]
    actions = [make_action(owner=owner, recommendation=make_recommendation(event=e))
               for e in events]
    for action in actions:
        add_indicator(owner, {"name": "Taux", "baseline_value": 0.0,
                              "baseline_date": today - timedelta(days=10),
                              "target_value": 1.0, "target_date": today + timedelta(days=10)},
                      action=action)
    db.session.commit()
    assert indicator_queries.dashboard_counts(today).total == 2
    assert indicator_queries.dashboard_counts(today, events[0].id).total == 1
    actions[1].status = Status.CANCELLED
    db.session.commit()
    assert indicator_queries.dashboard_counts(today).total == 1
