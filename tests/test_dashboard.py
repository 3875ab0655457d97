"""The coordinators' dashboard: shares, deadlines, breakdowns and charts, at a fixed cost."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.dates import format_date
from sqlalchemy import insert, select

from tests.conftest import count_queries
from tests.helpers import kpi
from tracker import clock
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionUpdate,
    GcmObjective,
    Role,
    Status,
    Theme,
    UpdateKind,
)
from tracker.models.types import utcnow

BREAKDOWNS = ("by-event", "by-recommendation", "by-theme", "by-institution", "by-gcm")
CHARTS = ("status", "completions", "themes", "institutions")


class _Tables(HTMLParser):
    """Collect the body rows of each table that has an id, as cells of text and links."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[dict]]] = {}
        self._table: list | None = None
        self._in_head = False
        self._row: list | None = None
        self._cell: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], [])
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and self._table is not None and not self._in_head:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = {"text": "", "links": []}
        elif tag == "a" and self._cell is not None:
            self._cell["links"].append(attrs["href"])
        elif tag == "br" and self._cell is not None:
            self._cell["text"] += " "

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._cell["text"] = " ".join(self._cell["text"].split())
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data


def _tables(page: str) -> dict[str, list[list[dict]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def _chart(page: str, slug: str) -> tuple[list[str], list[str]]:
    """Return the values a chart draws and the values its table prints."""
    figure = re.search(rf'<figure class="chart" id="chart-{slug}">(.*?)</figure>', page, re.S)
    assert figure, f"no {slug} chart on the page"
    svg, _, table = figure.group(1).partition("</svg>")
    assert 'role="img"' in svg and "aria-label=" in svg
    assert "<table" in table
    value = re.compile(r'class="[^"]*chart-value[^"]*"[^>]*>([^<]*)<')
    return value.findall(svg), value.findall(table)


def _listed_ids(client, url: str) -> set[int]:
    """Follow a link to the action list and return the ids of the actions it shows."""
    page = client.get(url).get_data(as_text=True)
    return {int(i) for i in re.findall(r'href="/actions/(\d+)"', page)}


def _set_status(action: Action, status: Status, progress: int | None = None) -> None:
    action.status = status
    action.progress = 100 if status == Status.COMPLETED else (progress or 0)
    db.session.commit()


def _complete(client, action: Action):
    return client.post(f"/actions/{action.id}/update", data={
        "status": "completed", "progress": "100", "comment": "", "version": action.version})


@pytest.fixture
def today(app):
    return clock.today()


def test_overview_gives_shares_of_the_actions_not_cancelled(
        client, auth, coordinator, make_action, today):
    done = make_action(title="Publier le rapport")
    _set_status(done, Status.COMPLETED)
    make_action(title="Former les agents", deadline=today - timedelta(days=3))
    make_action(title="Lancer l'enquête", deadline=today + timedelta(days=60))
    dropped = make_action(title="Ancienne piste", deadline=today - timedelta(days=9))
    _set_status(dropped, Status.CANCELLED)
    auth.login(coordinator)

    page = client.get("/dashboard").get_data(as_text=True)

    assert kpi(page, "completed") == "33%"
    assert kpi(page, "overdue") == "33%"
    assert kpi(page, "on-track") == "33%"
    assert kpi(page, "pending") == "0%"
    assert "1 cancelled action is left out." in page
    drawn, _ = _chart(page, "status")
    assert drawn == ["2", "0", "0", "1", "0", "1", "0"]  # statuses in their usual order


def test_overdue_list_names_owners_and_days_late_latest_first(
        client, auth, coordinator, make_action, make_user, make_institution, today):
    onm = make_institution("ONM")
    amira = make_user(Role.FOCAL_POINT, institution=onm, name="Amira Ben Salah")
    karim = make_user(Role.FOCAL_POINT, name="Karim Trabelsi")
    make_action(owner=amira, title="Valider les indicateurs", deadline=today - timedelta(days=3))
    make_action(owner=karim, title="Signer la convention", deadline=today - timedelta(days=10))
    waiting = make_action(owner=karim, title="Rapport remis",
                          deadline=today - timedelta(days=20))
    _set_status(waiting, Status.PENDING_VALIDATION)
    auth.login(coordinator)

    rows = _tables(client.get("/dashboard").get_data(as_text=True))["overdue-list"]

    assert [[cell["text"] for cell in row] for row in rows] == [
        ["Signer la convention", "Karim Trabelsi", karim.institution.code,
         format_date(today - timedelta(days=10), "d MMM y", locale="en"), "10"],
        ["Valider les indicateurs", "Amira Ben Salah", "ONM",
         format_date(today - timedelta(days=3), "d MMM y", locale="en"), "3"],
    ]


def test_due_soon_lists_open_actions_due_in_the_next_30_days(
        client, auth, coordinator, make_action, today):
    soon = make_action(title="Atelier régional", deadline=today + timedelta(days=5))
    last_day = make_action(title="Note de synthèse", deadline=today + timedelta(days=30))
    make_action(title="Plus tard", deadline=today + timedelta(days=31))
    make_action(title="En retard", deadline=today - timedelta(days=1))
    finished = make_action(title="Déjà fait", deadline=today + timedelta(days=10))
    _set_status(finished, Status.COMPLETED)
    auth.login(coordinator)

    page = client.get("/dashboard").get_data(as_text=True)

    assert kpi(page, "due-soon") == "2"
    rows = _tables(page)["due-soon-list"]
    assert [[cell["text"] for cell in row] for row in rows] == [
        ["Atelier régional", soon.owner.name, soon.lead_institution.code,
         format_date(soon.deadline, "d MMM y", locale="en")],
        ["Note de synthèse", last_day.owner.name, last_day.lead_institution.code,
         format_date(last_day.deadline, "d MMM y", locale="en")],
    ]
    assert rows[0][0]["links"] == [f"/actions/{soon.id}"]


@pytest.fixture
def spread(make_event, make_recommendation, make_action, make_user, make_institution, today):
    """Create actions over two events, two themes, two institutions and three GCM objectives."""
    themes = db.session.scalars(select(Theme).order_by(Theme.id)).all()[:2]
    gcm = {o.number: o for o in db.session.scalars(select(GcmObjective))}
    workshop = make_event("Atelier ONM")
    forum = make_event("Forum des journalistes")
    recommendations = [
        make_recommendation(event=workshop, theme=themes[0], gcm_objectives=[gcm[1], gcm[3]]),
        make_recommendation(event=workshop, theme=themes[1], gcm_objectives=[gcm[3]]),
        make_recommendation(event=forum, theme=themes[1], gcm_objectives=[gcm[17]]),
    ]
    owners = [make_user(Role.FOCAL_POINT, institution=make_institution(code))
              for code in ("ONM", "INS")]
    plan = [  # (recommendation, owner, days to the deadline, status)
        (0, 0, 20, Status.IN_PROGRESS), (0, 1, -5, Status.NOT_STARTED),
        (0, 0, -2, Status.COMPLETED), (1, 1, -8, Status.BLOCKED),
        (1, 0, 40, Status.CANCELLED), (2, 1, -1, Status.IN_PROGRESS),
        (2, 0, 12, Status.PENDING_VALIDATION), (2, 1, 90, Status.NOT_STARTED),
    ]
    actions = []
    for n, (rec, owner, days, status) in enumerate(plan):
        action = make_action(owner=owners[owner], recommendation=recommendations[rec],
                             title=f"Action {n}", deadline=today + timedelta(days=days))
        _set_status(action, status, progress=10 * n)
        actions.append(action)
    return workshop, forum, actions


def _expected_ids(url: str, today) -> set[int]:
    """Work out, independently of SQL, which actions a filtered list link should show."""
    args = {k: int(v[0]) for k, v in parse_qs(urlsplit(url).query).items()}
    tests = {
        "event": lambda a, v: a.recommendation.event_id == v,
        "recommendation": lambda a, v: a.recommendation_id == v,
        "theme": lambda a, v: a.recommendation.theme_id == v,
        "institution": lambda a, v: a.lead_institution_id == v,
        "gcm": lambda a, v: v in [o.number for o in a.recommendation.gcm_objectives],
        "overdue": lambda a, v: a.is_overdue(today),
    }
    return {a.id for a in db.session.scalars(select(Action))
            if all(tests[key](a, value) for key, value in args.items())}


def test_each_breakdown_row_links_to_exactly_its_actions(
        client, auth, coordinator, spread, today):
    auth.login(coordinator)
    tables = _tables(client.get("/dashboard").get_data(as_text=True))

    followed = 0
    for name in BREAKDOWNS:
        assert tables[name], f"{name} is empty"
        for label, n_actions, _completed, overdue, _progress in tables[name]:
            (link,) = label["links"]
            assert _listed_ids(client, link) == _expected_ids(link, today), link
            assert len(_expected_ids(link, today)) == int(n_actions["text"]), link
            if overdue["text"] != "0":
                (overdue_link,) = overdue["links"]
                assert "overdue=1" in overdue_link
                ids = _listed_ids(client, overdue_link)
                assert ids == _expected_ids(overdue_link, today)
                assert len(ids) == int(overdue["text"]), overdue_link
            followed += 1
    assert followed == 2 + 3 + 2 + 2 + 3


def test_completion_recorded_in_the_app_counts_in_this_months_chart(
        client, auth, coordinator, make_action):
    action = make_action(title="Publier la note")
    auth.login(coordinator)

    assert _complete(client, action).status_code == 302
    db.session.refresh(action)
    reopen = {"status": "in_progress", "progress": "50", "comment": "Erratum à publier.",
              "version": action.version}
    assert client.post(f"/actions/{action.id}/update", data=reopen).status_code == 302
    db.session.refresh(action)
    assert _complete(client, action).status_code == 302  # same month: still one action

    drawn, printed = _chart(client.get("/dashboard").get_data(as_text=True), "completions")
    assert drawn == printed == ["0"] * 11 + ["1"]


def test_event_parameter_narrows_every_figure(client, auth, coordinator, spread):
    workshop, forum, actions = spread
    for action in (actions[2], actions[5]):  # one completion in each event
        db.session.add(ActionUpdate(action=action, kind=UpdateKind.VALIDATED,
                                    old_status=Status.PENDING_VALIDATION,
                                    new_status=Status.COMPLETED))
    db.session.commit()
    auth.login(coordinator)

    page = client.get(f"/dashboard?event={workshop.id}").get_data(as_text=True)

    assert "Atelier ONM" in page
    assert kpi(page, "completed") == "25%"  # 1 of the 4 not cancelled
    assert kpi(page, "overdue") == "50%"
    assert kpi(page, "due-soon") == "1"
    tables = _tables(page)
    shown = {cell["text"] for row in tables["overdue-list"] + tables["due-soon-list"]
             for cell in row[:1]}
    assert shown == {"Action 0", "Action 1", "Action 3"}
    assert [row[0]["text"] for row in tables["by-event"]] == [
        f"Atelier ONM {format_date(workshop.date, 'd MMM y', locale='en')}"]
    for name in BREAKDOWNS:
        for row in tables[name]:
            assert f"event={workshop.id}" in row[0]["links"][0]
    assert sum(int(row[1]["text"]) for row in tables["by-institution"]) == 5
    assert _chart(page, "completions")[0][-1] == "1"


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/dashboard")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_unknown_event_is_not_found(client, auth, coordinator):
    auth.login(coordinator)

    assert client.get("/dashboard?event=999999").status_code == 404


def test_chart_tables_print_the_figures_the_charts_draw(client, auth, coordinator, spread):
    auth.login(coordinator)

    page = client.get("/dashboard").get_data(as_text=True)

    for slug in CHARTS:
        drawn, printed = _chart(page, slug)
        assert drawn and drawn == printed, slug
    # Cancelled actions do not weigh: (0 + 10 + 100) / 3 and (30 + 50 + 60 + 70) / 4.
    assert _chart(page, "themes")[0] == ["37 %", "52 %"]
    assert 'aria-label="Mean progress by lead institution"' in page


def _bulk_actions(n: int, start: int, recommendations, owner, institutions, today) -> None:
    """Insert `n` actions and a completion for every sixth, without one factory call each."""
    statuses = list(Status)
    now = utcnow()
    rows = []
    for i in range(start, start + n):
        status = statuses[i % len(statuses)]
        rows.append({
            "recommendation_id": recommendations[i % len(recommendations)].id,
            "title": f"Bulk action {i}", "description": "", "owner_id": owner.id,
            "lead_institution_id": institutions[i % len(institutions)].id,
            "deadline": today + timedelta(days=i % 90 - 45), "status": status,
            "progress": 100 if status == Status.COMPLETED else i % 100, "version": 1,
            "created_at": now, "updated_at": now,
        })
    db.session.execute(insert(Action), rows)
    completed = db.session.scalars(select(Action.id).where(
        Action.status == Status.COMPLETED, Action.title.like("Bulk action %"),
        ~Action.updates.any())).all()
    db.session.execute(insert(ActionUpdate), [
        {"action_id": action_id, "kind": UpdateKind.PROGRESS, "new_status": Status.COMPLETED,
         "created_at": now - timedelta(days=30 * (k % 12)), "comment": "", "changes": {}}
        for k, action_id in enumerate(completed)
    ])
    db.session.commit()


def test_dashboard_runs_the_same_number_of_queries_for_10_or_1000_actions(
        client, auth, coordinator, make_event, make_recommendation, make_user,
        make_institution, today):
    themes = db.session.scalars(select(Theme).order_by(Theme.id)).all()
    gcm = db.session.scalars(select(GcmObjective).order_by(GcmObjective.number)).all()
    event = make_event()
    recommendations = [make_recommendation(event=event, theme=themes[i % len(themes)],
                                           gcm_objectives=gcm[i:i + 2]) for i in range(6)]
    institutions = [make_institution() for _ in range(4)]
    owner = make_user(Role.FOCAL_POINT, institution=institutions[0])
    auth.login(coordinator)

    def queries(url: str) -> int:
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200
        return len(statements)

    _bulk_actions(10, 0, recommendations, owner, institutions, today)
    few = queries("/dashboard"), queries(f"/dashboard?event={event.id}")
    _bulk_actions(990, 10, recommendations, owner, institutions, today)
    many = queries("/dashboard"), queries(f"/dashboard?event={event.id}")

    assert few == many
    print(f"queries per dashboard: all events {few[0]}, one event {few[1]}")
