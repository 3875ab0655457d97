"""Hostile input never makes a server error: every form field of every POST route and
every query parameter of every page gets control characters, direction overrides, a
megabyte, other scripts' digits, huge and negative numbers and nothing.

The routes come from the app's URL map, the field names from the forms the pages show
to an admin (who reaches them all), so that a new route or field is fuzzed without
being listed here. Also: JSON nested thousands deep, a connection cut at the end of a
request, and two saves of one unique value at once.
"""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.helpers import field_errors, page_text
from tracker.actions import review
from tracker.api import tokens
from tracker.api.bodies import MAX_DEPTH
from tracker.extensions import db
from tracker.indicators import services as indicator_services
from tracker.models import HoldReason, InboundReply, Recommendation, ReplyStatus, Role

# Refused by the text rule before anything else reads them, in any field or parameter:
# sent to all fields of a form (all parameters of a page) at once, to bound the run.
CONTROL = {
    "nul": "avant\x00après",
    "bell": "\x07",
    "escape": "\x1b[31mrouge",
}
# Sent to one field (one parameter) at a time, the others keeping valid values, so that
# each reaches as far as it can.
HOSTILE = {
    "line break": "une\r\nautre ligne",
    "bidi override": "\u202enimda",
    "isolate": "\u2066x\u2069",
    "megabyte": "x" * 1_000_000,
    "superscript two": "²",
    "arabic three": "٣",
    "huge": str(10**30),
    "negative": "-5",
    "empty": "",
}
# Posted last: they sign the admin out or remove what other routes are fuzzed on.
LAST = ("archive.archive", "archive.delete", "indicators.delete", "profile.revoke_api_token",
        "auth.logout")


class _Forms(HTMLParser):
    """Collect every form of a page: its method, action and the values it would submit."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[dict] = []
        self.current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.current = {"method": (attrs.get("method") or "get").lower(),
                            "action": attrs.get("action") or self.page_url, "fields": {}}
            self.forms.append(self.current)
        elif self.current is not None and attrs.get("name"):
            fields, name = self.current["fields"], attrs["name"]
            if tag == "input" and attrs.get("type") not in ("submit", "file"):
                if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                    fields[name] = attrs.get("value") or ""
                else:
                    fields.setdefault(name, "")
            elif tag in ("select", "textarea"):
                fields.setdefault(name, "")
        elif tag == "option" and self.current is not None and self.current["fields"]:
            # A select submits its selected option, else its first: keep the first seen.
            last = list(self.current["fields"])[-1]
            if not self.current["fields"][last] and attrs.get("value"):
                self.current["fields"][last] = attrs["value"]

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def _forms(response, url: str) -> list[dict]:
    parser = _Forms(url)
    parser.feed(response.get_data(as_text=True))
    return parser.forms


@pytest.fixture
def world(app, make_action, make_user):
    """Return the ids of a little of everything, and sign nobody in."""
    admin = make_user(Role.ADMIN)
    action = make_action()
    recommendation = action.recommendation
    indicator = indicator_services.add_indicator(None, {
        "name": "Rapports publiés", "unit": "", "baseline_value": 0,
        "baseline_date": date.today() - timedelta(days=30), "target_value": 4,
        "target_date": date.today() + timedelta(days=300)}, recommendation=recommendation)
    extension = review.request_extension(action.owner, action,
                                         action.deadline + timedelta(days=30),
                                         "Attente des données.", date.today())
    token, _secret = tokens.create_token(admin, admin, "fuzz")
    reply = InboundReply(message_key="<fuzz@onm.example>", status=ReplyStatus.HELD,
                         reason=HoldReason.NO_REFERENCE, subject="Re: rappel", body="Fait.")
    db.session.add(reply)
    db.session.commit()
    return {"admin": admin, "action_id": action.id, "recommendation_id": recommendation.id,
            "event_id": recommendation.event_id, "user_id": action.owner_id,
            "institution_id": action.lead_institution_id, "theme_id": 1,
            "indicator_id": indicator.id, "request_id": extension.id, "token_id": token.id,
            "message_id": 1, "reply_id": reply.id, "evidence_id": 1, "job_id": 1,
            "day_id": 1, "document_id": 1, "token": "x", "fmt": "csv", "filename": "x",
            "view_id": 1}


def _url(rule, world: dict) -> str:
    return rule.build({k: v for k, v in world.items() if k in rule.arguments},
                      append_unknown=False)[1]


def _site_rules(app, method: str):
    for rule in app.url_map.iter_rules():
        if method in rule.methods and not rule.endpoint.startswith(("api.", "static")):
            yield rule


def test_hostile_form_fields_never_cause_a_server_error(app, client, auth, world):
    auth.login(world["admin"])
    posted_to: dict[str, dict] = {}
    for rule in _site_rules(app, "GET"):
        url = _url(rule, world)
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for form in _forms(response, url):
            if form["method"] == "post" and form["fields"]:
                posted_to.setdefault(form["action"], form["fields"])
    rules = sorted(_site_rules(app, "POST"), key=lambda r: r.endpoint in LAST)
    failures, fuzzed = [], set()
    for rule in rules:
        url = _url(rule, world)
        fields = posted_to.get(url)
        if fields is None:
            continue
        fuzzed.add(rule.endpoint)
        names = [name for name in fields if name != "csrf_token"]
        requests = [("*", label, {**fields, **dict.fromkeys(names, value)})
                    for label, value in CONTROL.items()]
        requests += [(name, label, {**fields, name: value})
                     for name in names for label, value in HOSTILE.items()]
        for name, label, data in requests:
            response = client.post(url, data=data)
            if response.status_code >= 500:
                failures.append((url, name, label, response.status_code))
    assert failures == []
    # Every form-bearing POST route was reached (the rest take no fields: logout, ...).
    missing = {r.endpoint for r in rules} - fuzzed
    assert len(fuzzed) >= 25, sorted(missing)


def test_hostile_query_parameters_never_cause_a_server_error(app, client, auth, world):
    auth.login(world["admin"])
    failures, checked = [], 0
    for rule in _site_rules(app, "GET"):
        url = _url(rule, world)
        names = {"q", "page", "sort", "next"}
        first = client.get(url)
        if first.status_code == 200 and first.mimetype == "text/html":
            for form in _forms(first, url):
                if form["method"] == "get":
                    names |= set(form["fields"])
        requests = [("*", label, dict.fromkeys(names, value))
                    for label, value in CONTROL.items()]
        # A URL, not a body: servers cut URLs at some kilobytes.
        values = {**HOSTILE, "megabyte": "x" * 4000}
        requests += [(name, label, {name: value})
                     for name in sorted(names) for label, value in values.items()]
        for name, label, query in requests:
            response = client.get(url, query_string=query)
            checked += 1
            if response.status_code >= 500:
                failures.append((url, name, label, response.status_code))
    assert failures == []
    assert checked > 500


def test_a_control_character_in_a_search_is_refused_with_a_message(client, auth, world):
    auth.login(world["admin"])
    for url in ("/actions", "/recommendations", "/actions/export.csv", "/dashboard"):
        response = client.get(url, query_string={"q": "a\x00b"})
        assert response.status_code == 400, url
        assert "not allowed in a search or a filter" in page_text(response)


@pytest.mark.parametrize("value, message", [
    ("Atelier\x00", "control character"),
    ("Atelier\nsur deux lignes", "single line"),
    ("\u202eAtelier", "changes the direction"),
])
def test_a_single_line_field_refuses_control_line_breaks_and_direction_overrides(
        client, auth, world, value, message):
    auth.login(world["admin"])

    response = client.post("/events/new", data={"title": value, "date": "2025-01-10"})

    assert response.status_code == 422
    assert any(message in error for error in field_errors(response, "title"))


def test_a_text_area_keeps_its_line_breaks_and_refuses_nul(client, auth, world):
    auth.login(world["admin"])
    data = {"title": "Atelier", "date": "2025-01-10"}

    kept = client.post("/events/new", data={**data, "description": "Un.\r\n\tDeux."})
    refused = client.post("/events/new", data={**data, "description": "Un.\x00"})

    assert kept.status_code == 302
    assert refused.status_code == 422
    assert any("control character" in e for e in field_errors(refused, "description"))


def test_the_api_refuses_json_nested_too_deep_with_a_problem(client, world):
    _token, secret = tokens.create_token(world["admin"], world["admin"], "deep")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    url = f"/api/v1/actions/{world['action_id']}/updates"
    for depth in (5000, MAX_DEPTH + 1):
        body = "[" * depth + "]" * depth
        response = client.post(url, data=body, headers=headers, csrf=False)
        assert response.status_code == 400, depth
        assert response.mimetype == "application/problem+json"
        assert "nests too deeply" in response.get_json()["detail"]
    nested = {"status": "in_progress", "progress": 10, "version": 1, "comment": "ok"}
    for _ in range(MAX_DEPTH - 2):
        nested = {"x": nested}
    response = client.post(url, data=json.dumps(nested), headers=headers, csrf=False)
    assert response.status_code == 422  # deep enough to be read, then refused by its schema


def test_the_api_refuses_a_nul_in_a_comment_under_its_field(client, world):
    _token, secret = tokens.create_token(world["admin"], world["admin"], "nul")
    db.session.commit()
    response = client.post(f"/api/v1/actions/{world['action_id']}/updates", json={
        "status": "in_progress", "progress": 10, "version": 1, "comment": "a\x00b"},
        headers={"Authorization": f"Bearer {secret}"}, csrf=False)
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert error["field"] == "comment" and "control character" in error["message"]


def _terminate_own_connection() -> None:
    """Kill the database backend serving the current session, as a restart would."""
    pid = db.session.execute(sa.text("select pg_backend_pid()")).scalar()
    other = sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    with other.connect() as conn:
        conn.execute(sa.text("select pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()


def test_a_connection_lost_after_the_page_was_made_keeps_the_page(app, client, auth, world):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs a database server to terminate a connection; CI runs it on PostgreSQL")
    armed: list[str] = []

    @app.after_request
    def cut(response):
        if armed and armed.pop() == "after":
            _terminate_own_connection()
        return response

    @app.before_request
    def cut_early():
        if armed and armed[-1] == "before":
            armed.pop()
            _terminate_own_connection()

    auth.login(world["admin"])
    armed.append("after")
    kept = client.get("/events")
    assert kept.status_code == 200
    assert "Events" in page_text(kept) or "Événements" in page_text(kept)
    # Cut before the view: the view's query fails (503) and so does the cleanup after it;
    # the 503 page is what arrives.
    armed.append("before")
    down = client.get("/events")
    assert down.status_code == 503
    assert down.headers["Retry-After"] == "30"
    assert client.get("/events").status_code == 200


def _two_coordinators_post_at_once(app, make_user, url: str, data: dict,
                                   insert_into: str) -> list:
    """Sign in two coordinators and POST `data` to `url` from both at once, each held at
    its INSERT INTO `insert_into` until both have passed the application's own check;
    return both responses."""
    from sqlalchemy import event as sa_event

    clients = []
    for user in [make_user(Role.COORDINATOR) for _ in range(2)]:
        client = app.test_client()
        client.post("/login", data={"email": user.email, "password": PASSWORD})
        clients.append(client)
    both_checked = threading.Barrier(2, timeout=10)

    def hold(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith(f"INSERT INTO {insert_into} "):
            both_checked.wait()

    def post(i: int) -> None:
        with app.app_context():
            responses[i] = clients[i].post(url, data=data)

    sa_event.listen(db.engine, "before_cursor_execute", hold)
    responses = {}
    try:
        threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", hold)
    return list(responses.values())


def test_two_coordinators_adding_the_same_number_at_once_get_the_forms_refusal(
        app, world, make_user):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs concurrent writers; CI runs it on PostgreSQL")
    url = f"/events/{world['event_id']}/recommendations/new"
    data = {"number": "42", "title": "Même numéro", "priority": "medium", "language": "fr"}
    responses = _two_coordinators_post_at_once(app, make_user, url, data, "recommendation")

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [302, 422]
    refused = next(r for r in responses if r.status_code == 422)
    assert ("This event already has a recommendation with this number."
            in field_errors(refused, "number"))
    assert db.session.scalar(select(func.count()).select_from(Recommendation).where(
        Recommendation.number == "42")) == 1


def test_two_coordinators_linking_the_same_recommendations_at_once_get_already_linked(
        app, make_user, make_event, make_recommendation):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs concurrent writers; CI runs it on PostgreSQL")
    from tracker.models import RecommendationLink

    earlier = make_recommendation(make_event("Atelier AMEM", date=date(2022, 7, 27)))
    later = make_recommendation(make_event("Anniversaire de l'ONM", date=date(2024, 1, 1)))
    responses = _two_coordinators_post_at_once(
        app, make_user, f"/recommendations/{later.id}/links", {"earlier": earlier.id},
        "recommendation_link")

    assert sorted(r.status_code for r in responses) == [302, 422]
    refused = next(r for r in responses if r.status_code == 422)
    assert "already linked" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(RecommendationLink)) == 1
