"""The REST API: personal tokens, problem documents, filters, pagination and updates."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, count_queries
from tracker import clock
from tracker.admin.services import update_user
from tracker.api import tokens
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionUpdate,
    ApiToken,
    AuditEntry,
    GcmObjective,
    Indicator,
    Measurement,
    Priority,
    Role,
    Status,
    Theme,
    UpdateKind,
)

PROBLEM = "application/problem+json"
TOKEN_RE = re.compile(r'<code id="new-api-token">(trk_[A-Za-z0-9_-]+)</code>')


@pytest.fixture
def make_token(app):
    """Return a function giving a user a token (as the profile page does) and its secret."""

    def make(user) -> str:
        _token, secret = tokens.create_token(user, user, "test")
        db.session.commit()
        return secret

    return make


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def assert_problem(response, status: int) -> dict:
    """Check that `response` is a problem document with `status`, and return it."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status
    assert {"type", "title", "detail", "instance"} <= body.keys()
    return body


def post_update(client, secret: str, action_id: int, **body):
    return client.post(f"/api/v1/actions/{action_id}/updates", json=body, csrf=False,
                       headers=bearer(secret))


# --- Tokens ---------------------------------------------------------------------------------

def test_a_token_created_on_the_profile_is_shown_once_stored_hashed_and_opens_the_api(
        client, auth, make_user):
    user = make_user(Role.VIEWER)
    auth.login(user)
    response = client.post("/profile/api-tokens", data={"name": "Export script"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    secret = TOKEN_RE.search(response.get_data(as_text=True)).group(1)

    row = db.session.scalar(select(ApiToken))
    assert row.user_id == user.id and row.name == "Export script"
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(row.prefix) and len(row.prefix) < len(secret) // 2
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.verb == "create_api_token"))
    assert audit.actor_id == user.id and audit.object_id == row.id

    page = client.get("/profile").get_data(as_text=True)
    assert secret not in page and "Export script" in page and row.prefix in page

    client.post("/logout")  # the token works on its own, without any session
    response = client.get("/api/v1/events", headers=bearer(secret))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert db.session.get(ApiToken, row.id).last_used_at is not None


def test_a_token_needs_a_name_and_a_csrf_token(client, auth, make_user):
    auth.login(make_user(Role.VIEWER))
    assert client.post("/profile/api-tokens", data={"name": " "}).status_code == 422
    assert client.post("/profile/api-tokens", data={"name": "x"}, csrf=False).status_code == 400
    assert db.session.scalar(select(ApiToken)) is None


def test_a_revoked_token_stops_working_and_the_revocation_is_audited(
        client, auth, make_user, make_token):
    user = make_user(Role.VIEWER)
    secret = make_token(user)
    token = db.session.scalar(select(ApiToken))
    auth.login(user)
    response = client.post(f"/profile/api-tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.verb == "revoke_api_token"))
    assert token.prefix not in client.get("/profile").get_data(as_text=True)
    client.post("/logout")
    response = client.get("/api/v1/actions", headers=bearer(secret))
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert "Set-Cookie" not in response.headers


def test_nobody_revokes_another_users_token(client, auth, make_user, make_token):
    secret = make_token(make_user(Role.VIEWER))
    token = db.session.scalar(select(ApiToken))
    auth.login(make_user(Role.ADMIN))
    assert client.post(f"/profile/api-tokens/{token.id}/revoke").status_code == 404
    assert client.get("/api/v1/events", headers=bearer(secret)).status_code == 200


def test_a_deactivated_users_tokens_stop_working(client, make_user, make_token):
    user = make_user(Role.COORDINATOR)
    secret = make_token(user)
    assert client.get("/api/v1/events", headers=bearer(secret)).status_code == 200
    update_user(make_user(Role.ADMIN), user, {"active": False})
    db.session.commit()
    assert_problem(client.get("/api/v1/events", headers=bearer(secret)), 401)


# --- Authentication and permissions -----------------------------------------------------------

@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer"}, {"Authorization": "Bearer trk_not-a-token"},
    {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer " + "x" * 5000},
])
def test_requests_without_a_valid_token_get_a_401_problem(client, headers):
    response = client.get("/api/v1/actions", headers=headers)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_session_cookie_does_not_open_the_api(client, auth, make_user, make_action):
    action = make_action()
    auth.login(make_user(Role.ADMIN))
    assert_problem(client.get(f"/api/v1/actions/{action.id}"), 401)
    response = client.post(f"/api/v1/actions/{action.id}/updates",
                           json={"status": "blocked", "progress": 0, "version": 1}, csrf=False)
    assert_problem(response, 401)
    assert db.session.get(Action, action.id).status == Status.NOT_STARTED


def test_the_token_not_the_browsers_session_decides_and_no_cookie_is_set(
        client, auth, make_user, make_action, make_token):
    action = make_action()
    auth.login(make_user(Role.ADMIN))  # the browser's session is an admin's
    viewer_secret = make_token(make_user(Role.VIEWER))
    response = client.get(f"/api/v1/actions/{action.id}", headers=bearer(viewer_secret))
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    response = post_update(client, viewer_secret, action.id, status="in_progress",
                           progress=10, version=action.version)
    assert_problem(response, 403)  # as the viewer the token belongs to
    assert "Set-Cookie" not in response.headers
    assert client.get("/admin/users").status_code == 200  # the session is untouched


def test_a_token_works_beside_a_logged_out_browsers_session(client, auth, make_user,
                                                            make_token):
    user = make_user(Role.VIEWER)
    auth.login(user)
    client.post("/logout")  # leaves a session that holds the goodbye message
    assert client.get_cookie("session") is not None
    response = client.get("/api/v1/events", headers=bearer(make_token(user)))
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_a_remember_me_cookie_does_not_open_the_api_nor_hide_a_token(
        client, make_user, make_token):
    user = make_user(Role.VIEWER)
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None
    client.delete_cookie("session")
    response = client.get("/api/v1/events")
    assert_problem(response, 401)
    assert "Set-Cookie" not in response.headers
    response = client.get("/api/v1/events", headers=bearer(make_token(user)))
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert client.get("/profile").status_code == 200  # the cookie still opens the site


def test_a_token_does_not_open_the_web_pages(client, make_user, make_token):
    headers = bearer(make_token(make_user(Role.ADMIN)))
    response = client.get("/admin/users", headers=headers)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/profile", headers=headers).status_code == 302


def test_a_viewer_reads_but_cannot_post_an_update(client, make_user, make_action, make_token):
    action = make_action()
    secret = make_token(make_user(Role.VIEWER))
    assert client.get(f"/api/v1/actions/{action.id}", headers=bearer(secret)).status_code == 200
    response = post_update(client, secret, action.id, status="in_progress", progress=10,
                           version=action.version)
    assert_problem(response, 403)
    assert db.session.get(Action, action.id).progress == 0


def test_a_focal_point_updates_their_institutions_actions_only(
        client, make_user, make_action, make_institution, make_token):
    ours, theirs = make_institution("OURS"), make_institution("THEIRS")
    colleague = make_user(Role.FOCAL_POINT, institution=ours)
    own_institution_action = make_action(owner=colleague)
    other_action = make_action(owner=make_user(Role.FOCAL_POINT, institution=theirs))
    secret = make_token(make_user(Role.FOCAL_POINT, institution=ours))

    response = post_update(client, secret, other_action.id, status="in_progress",
                           progress=10, version=other_action.version)
    assert_problem(response, 403)
    assert db.session.get(Action, other_action.id).progress == 0

    response = post_update(client, secret, own_institution_action.id, status="in_progress",
                           progress=10, version=own_institution_action.version)
    assert response.status_code == 201


# --- The curl scenario: overdue actions of an institution, then an update ---------------------

def test_list_an_institutions_overdue_actions_then_record_an_update_seen_on_the_web(
        client, auth, make_user, make_action, make_institution, make_token):
    onm = make_institution("ONM", "Observatoire national de la migration")
    focal = make_user(Role.FOCAL_POINT, institution=onm)
    late = make_action(owner=focal, title="Publier le rapport",
                       deadline=date.today() - timedelta(days=3), start_date=None)
    make_action(owner=focal, title="Pas encore en retard")  # due in 30 days
    make_action(title="Autre institution en retard", deadline=date.today() - timedelta(days=3))
    secret = make_token(focal)

    response = client.get("/api/v1/actions?institution=ONM&overdue=1", headers=bearer(secret))
    assert response.status_code == 200
    body = response.get_json()
    assert [a["id"] for a in body["items"]] == [late.id] and body["total"] == 1
    item = body["items"][0]
    assert item["overdue"] is True and item["days_late"] == 3
    assert item["lead_institution"]["code"] == "ONM" and item["version"] == late.version
    by_id = client.get(f"/api/v1/actions?institution={onm.id}&overdue=1", headers=bearer(secret))
    assert by_id.get_json()["items"] == body["items"]

    response = post_update(client, secret, late.id, status="in_progress", progress=60,
                           comment="Rapport envoyé à la relecture", version=item["version"])
    assert response.status_code == 201
    created = response.get_json()
    assert created["update"]["comment"] == "Rapport envoyé à la relecture"
    assert created["action"]["progress"] == 60 and created["action"]["version"] > item["version"]
    assert response.headers["Location"].endswith(f"/api/v1/actions/{late.id}")

    entry = db.session.scalar(select(ActionUpdate).where(ActionUpdate.kind == UpdateKind.PROGRESS))
    assert entry.author_id == focal.id and entry.new_progress == 60
    auth.login(make_user(Role.VIEWER))
    page = client.get(f"/actions/{late.id}").get_data(as_text=True)
    assert "Rapport envoyé à la relecture" in page

    detail = client.get(f"/api/v1/actions/{late.id}", headers=bearer(secret)).get_json()
    assert detail["history"][0]["comment"] == "Rapport envoyé à la relecture"
    assert detail["history"][0]["author"]["id"] == focal.id


def test_a_focal_points_completion_waits_for_validation_as_on_the_web(
        client, make_user, make_action, make_token):
    focal = make_user(Role.FOCAL_POINT)
    action = make_action(owner=focal)
    response = post_update(client, make_token(focal), action.id, status="completed",
                           progress=100, version=action.version)
    assert response.status_code == 201
    assert response.get_json()["action"]["status"] == "pending_validation"


def test_an_update_on_a_stale_version_is_refused_with_409_and_writes_nothing(
        client, make_user, make_action, make_token):
    focal = make_user(Role.FOCAL_POINT)
    action = make_action(owner=focal)
    secret = make_token(focal)
    seen = action.version
    assert post_update(client, secret, action.id, status="in_progress", progress=20,
                       version=seen).status_code == 201
    response = post_update(client, secret, action.id, status="blocked", progress=20,
                           comment="Bloqué", version=seen)
    body = assert_problem(response, 409)
    assert body["type"].endswith("#problem-stale-version")
    current = db.session.get(Action, action.id)
    assert body["current_version"] == current.version
    assert current.status == Status.IN_PROGRESS
    assert not db.session.scalar(select(ActionUpdate).where(ActionUpdate.comment == "Bloqué"))


def test_a_domain_rule_is_a_422_problem(client, make_user, make_action, make_token):
    focal = make_user(Role.FOCAL_POINT)
    action = make_action(owner=focal)
    response = post_update(client, make_token(focal), action.id, status="not_started",
                           progress=0, version=action.version)  # nothing would change
    body = assert_problem(response, 422)
    assert body["type"].endswith("#problem-invalid-change")
    assert body["errors"][0]["field"] == "status"


# --- Bad input: always a 4xx problem ------------------------------------------------------------

@pytest.mark.parametrize(("body", "fields"), [
    ({"status": "done", "progress": 10, "version": 1}, {"status"}),
    ({"status": "in_progress", "progress": 101, "version": 1}, {"progress"}),
    ({"status": "in_progress", "progress": -1, "version": 1}, {"progress"}),
    ({"status": "in_progress", "progress": "50", "version": 1}, {"progress"}),
    ({"status": "in_progress", "progress": True, "version": 1}, {"progress"}),
    ({"status": "in_progress", "progress": 5.5, "version": 1}, {"progress"}),
    ({"status": "in_progress", "progress": 10}, {"version"}),
    ({"status": "in_progress", "progress": 10, "version": "1"}, {"version"}),
    ({"status": "in_progress", "progress": 10, "version": 1, "owner": 3}, {"owner"}),
    ({"status": "in_progress", "progress": 10, "version": 1, "comment": "a\x00b"}, {"comment"}),
    ({"status": "in_progress", "progress": 10, "version": 1, "comment": "x" * 5001},
     {"comment"}),
    ([], {""}),
])
def test_invalid_update_bodies_get_a_422_with_field_errors(
        client, make_user, make_action, make_token, body, fields):
    action = make_action()
    response = client.post(f"/api/v1/actions/{action.id}/updates", json=body, csrf=False,
                           headers=bearer(make_token(make_user(Role.COORDINATOR))))
    problem = assert_problem(response, 422)
    assert problem["type"].endswith("#problem-validation-error")
    assert {e["field"] for e in problem["errors"]} == fields
    assert all(e["location"] == "json" for e in problem["errors"])
    assert db.session.scalar(select(ActionUpdate).where(ActionUpdate.kind == UpdateKind.PROGRESS)) \
        is None


def test_malformed_json_wrong_media_type_and_oversized_bodies_are_4xx_problems(
        client, make_user, make_action, make_token):
    action = make_action()
    headers = bearer(make_token(make_user(Role.COORDINATOR)))
    url = f"/api/v1/actions/{action.id}/updates"
    response = client.post(url, data='{"status": ', content_type="application/json",
                           csrf=False, headers=headers)
    assert assert_problem(response, 400)["type"].endswith("#problem-malformed-request")
    response = client.post(url, data={"status": "blocked"}, csrf=False, headers=headers)
    assert_problem(response, 415)
    big = json.dumps({"status": "blocked", "progress": 0, "version": 1, "comment": "x" * 70_000})
    response = client.post(url, data=big, content_type="application/json", csrf=False,
                           headers=headers)
    assert_problem(response, 413)


def test_unknown_routes_methods_and_ids_are_problems(client, make_user, make_token):
    headers = bearer(make_token(make_user(Role.VIEWER)))
    assert_problem(client.get("/api/v1/actions/999999", headers=headers), 404)
    assert_problem(client.get("/api/v1/actions/99999999999999", headers=headers), 404)
    assert_problem(client.get("/api/v1/nothing-here", headers=headers), 404)
    response = client.delete("/api/v1/actions", headers=headers)
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]
    # The rest of the site keeps its HTML error pages.
    assert client.get("/nothing-here").mimetype == "text/html"


@pytest.mark.parametrize("query", [
    "status=finished", "institution=NOPE", "institution=424242", "overdue=perhaps",
    "page=0", "per_page=1000", "deadline_from=2024-13-01", "event=abc", "owner=99999",
    "gcm=24", "sort=owner", "q=a%00b", "event=99999999999",
    "overdu=1",  # a mistyped filter is refused rather than ignored
])
def test_unknown_filter_values_get_a_422_problem(client, make_user, make_token, query):
    headers = bearer(make_token(make_user(Role.VIEWER)))
    for endpoint in ("actions", "recommendations"):
        problem = assert_problem(client.get(f"/api/v1/{endpoint}?{query}", headers=headers), 422)
        field = query.split("=")[0]
        assert [e["field"] for e in problem["errors"]] == [field]
        assert problem["errors"][0]["location"] == "query"


def test_too_many_requests_get_a_429_problem(app, client, make_user, make_token):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    headers = bearer(make_token(make_user(Role.VIEWER)))
    assert client.get("/api/v1/events", headers=headers).status_code == 200
    assert client.get("/api/v1/events", headers=headers).status_code == 200
    assert_problem(client.get("/api/v1/events", headers=headers), 429)


def test_a_server_error_is_a_500_problem(app, client, make_user, make_token, monkeypatch):
    from tracker.events import queries

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(queries, "list_events", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    problem = assert_problem(
        client.get("/api/v1/events", headers=bearer(make_token(make_user(Role.VIEWER)))), 500)
    assert "simulated" not in json.dumps(problem)


# --- Lists, filters, pagination, details --------------------------------------------------------

def test_lists_are_paginated_with_totals_and_links(client, make_user, make_action, make_token,
                                                   make_recommendation):
    recommendation = make_recommendation()
    owner = make_user(Role.FOCAL_POINT)
    ids = [make_action(owner=owner, recommendation=recommendation, title=f"Action {i}",
                       deadline=date.today() + timedelta(days=i + 1)).id for i in range(5)]
    headers = bearer(make_token(owner))
    first = client.get("/api/v1/actions?per_page=2&status=not_started", headers=headers)
    body = first.get_json()
    assert (body["total"], body["pages"], body["page"], body["per_page"]) == (5, 3, 1, 2)
    assert [a["id"] for a in body["items"]] == ids[:2]
    assert body["links"]["prev"] is None
    assert "status=not_started" in body["links"]["next"]
    second = client.get(body["links"]["next"], headers=headers).get_json()
    assert [a["id"] for a in second["items"]] == ids[2:4]
    last = client.get(second["links"]["last"], headers=headers).get_json()
    assert [a["id"] for a in last["items"]] == ids[4:] and last["links"]["next"] is None
    assert last["links"]["prev"].endswith("page=2") or "page=2" in last["links"]["prev"]
    beyond = client.get("/api/v1/actions?per_page=2&page=9", headers=headers).get_json()
    assert beyond["items"] == [] and beyond["total"] == 5

    recs = client.get("/api/v1/recommendations?per_page=1", headers=headers).get_json()
    assert recs["total"] == 1 and recs["items"][0]["action_count"] == 5
    events = client.get("/api/v1/events", headers=headers).get_json()
    assert events["items"][0]["action_count"] == 5


def test_recommendations_filter_like_the_web_list(client, make_user, make_action,
                                                  make_recommendation, make_institution,
                                                  make_token):
    onm = make_institution("ONM")
    late = make_recommendation(title="En retard")
    make_action(recommendation=late, lead_institution=onm,
                deadline=date.today() - timedelta(days=1))
    make_action(recommendation=make_recommendation(title="A jour"), lead_institution=onm)
    headers = bearer(make_token(make_user(Role.VIEWER)))
    body = client.get("/api/v1/recommendations?institution=onm&overdue=1",
                      headers=headers).get_json()
    assert [r["id"] for r in body["items"]] == [late.id]
    assert body["items"][0]["overdue_count"] == 1


def test_details_include_indicators_with_their_latest_measurement_and_history(
        client, make_user, make_action, make_token):
    action = make_action()
    indicator = Indicator(action_id=action.id, name="Journalistes formés", unit="personnes",
                          baseline_value=0, baseline_date=date(2024, 1, 1), target_value=40,
                          target_date=date(2025, 12, 31))
    never = Indicator(recommendation_id=action.recommendation_id, name="Accords suivis",
                      baseline_value=2, baseline_date=date(2024, 1, 1), target_value=5,
                      target_date=date(2026, 1, 1))
    db.session.add_all([indicator, never])
    db.session.flush()
    db.session.add_all([
        Measurement(indicator_id=indicator.id, value=12, measured_on=date(2024, 6, 30)),
        Measurement(indicator_id=indicator.id, value=25, measured_on=date(2024, 12, 31)),
        Measurement(indicator_id=indicator.id, value=18, measured_on=date(2024, 9, 30)),
    ])
    db.session.commit()
    headers = bearer(make_token(make_user(Role.VIEWER)))

    detail = client.get(f"/api/v1/actions/{action.id}", headers=headers).get_json()
    assert detail["indicators"][0]["name"] == "Journalistes formés"
    assert detail["indicators"][0]["latest"] == {"value": 25.0, "measured_on": "2024-12-31"}
    assert [h["kind"] for h in detail["history"]] == ["created"]

    rec = client.get(f"/api/v1/recommendations/{action.recommendation_id}",
                     headers=headers).get_json()
    assert rec["indicators"][0]["name"] == "Accords suivis"
    assert rec["indicators"][0]["latest"] is None
    assert [a["id"] for a in rec["actions"]] == [action.id]
    event = client.get(f"/api/v1/events/{rec['event']['id']}", headers=headers).get_json()
    assert event["recommendations"][0]["id"] == action.recommendation_id


# --- Query counts ----------------------------------------------------------------------------

@pytest.fixture
def populate(make_user, make_recommendation, make_event, make_institution):
    """Create `n` actions at once, spread over owners, institutions and recommendations."""
    event = make_event()
    institutions = [make_institution() for _ in range(3)]
    owners = [make_user(Role.FOCAL_POINT, institution=i) for i in institutions]
    recommendations = [make_recommendation(event=event) for _ in range(3)]

    def make(n: int):
        today = date.today()
        db.session.add_all([
            Action(recommendation_id=recommendations[i % 3].id, title=f"Action {i}",
                   owner_id=owners[i % 3].id, lead_institution_id=institutions[i % 3].id,
                   contributors=[institutions[(i + 1) % 3]],
                   deadline=today + timedelta(days=i % 40 - 20),
                   status=list(Status)[i % len(Status)], progress=i % 100)
            for i in range(n)])
        db.session.commit()
        return institutions[0]

    return make


@pytest.mark.parametrize("url", [
    "/api/v1/actions?per_page=100",
    "/api/v1/actions?per_page=100&institution={institution}&overdue=1&sort=-progress&q=Action",
    "/api/v1/actions?per_page=100&awaiting_news=1&stale=0",
    "/api/v1/recommendations?per_page=100&sort=overdue&overdue=1",
    "/api/v1/events?per_page=100",
])
def test_list_endpoints_run_the_same_number_of_queries_for_10_or_1000_actions(
        url, client, make_user, make_token, populate):
    headers = bearer(make_token(make_user(Role.VIEWER)))
    client.get("/api/v1/events", headers=headers)  # notes the token's first use

    def queries(url: str) -> int:
        with count_queries() as statements:
            response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return len(statements)

    institution = populate(10)
    few = queries(url.format(institution=institution.id))
    populate(990)
    many = queries(url.format(institution=institution.id))
    assert few == many > 2, (few, many)


# --- Documentation ---------------------------------------------------------------------------

def test_the_documentation_page_is_rendered_on_the_server_from_the_description(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script" not in html
    for path, operations in spec["paths"].items():
        for method in operations.keys() - {"parameters"}:
            assert f"{method.upper()} {path}" in html
    for kind in ("validation-error", "stale-version", "invalid-change", "malformed-request"):
        assert f'id="problem-{kind}"' in html


def test_actions_awaiting_news_filter_like_the_web_list(client, make_user, make_action,
                                                        make_token):
    quiet = make_action(title="Sans nouvelles", report_every_weeks=2)
    make_action(title="Nouvelles récentes", report_every_weeks=2)
    quiet.last_news_on = date.today() - timedelta(weeks=3)
    db.session.commit()
    headers = bearer(make_token(make_user(Role.VIEWER)))
    body = client.get("/api/v1/actions?awaiting_news=1", headers=headers).get_json()
    assert [a["id"] for a in body["items"]] == [quiet.id]
    everything = client.get("/api/v1/actions?awaiting_news=0", headers=headers).get_json()
    assert everything["total"] == 2


# --- Documents: the whole JSON a client reads --------------------------------------------------

WEB = "https://suivi.example.org/tracker"  # TRACKER_BASE_URL, not the test client's host


@pytest.fixture
def documented(app, make_user, make_event, make_recommendation, make_action, make_institution,
               make_token):
    """Create one of everything the API shows, with fixed values, and a viewer's token."""
    app.config["TRACKER_BASE_URL"] = WEB
    event = make_event("Atelier de Sousse", date=date(2024, 5, 20), place="Sousse",
                       organisers="ONM et OIM", source_url="https://example.org/atelier",
                       description="Deux jours d'échanges.", is_public=True)
    theme = db.session.scalar(select(Theme).order_by(Theme.id))
    rec = make_recommendation(event=event, number="R1", title="Produire des statistiques",
                              text="Publier chaque année.", theme=theme,
                              priority=Priority.HIGH, language="fr",
                              gcm_objectives=[db.session.get(GcmObjective, n) for n in (1, 3)])
    onm, oim = make_institution("ONM", "Observatoire"), make_institution("OIM", "Organisation")
    owner = make_user(Role.FOCAL_POINT, institution=onm, name="Salma Ben Ali")
    action = make_action(owner=owner, recommendation=rec, title="Publier le rapport",
                         description="Rapport annuel.", contributors=[oim],
                         start_date=date(2024, 1, 15), deadline=date(2024, 3, 1))
    indicator = Indicator(action_id=action.id, name="Rapports publiés", unit="rapports",
                          baseline_value=0, baseline_date=date(2024, 1, 1), target_value=4,
                          target_date=date(2026, 1, 1), data_source="ONM",
                          disaggregation="par région")
    db.session.add(indicator)
    db.session.flush()
    db.session.add(Measurement(indicator_id=indicator.id, value=1.5,
                               measured_on=date(2024, 6, 1)))
    action.updated_at = datetime(2024, 6, 2, 9, 30, tzinfo=UTC)
    created = db.session.scalar(select(ActionUpdate).where(ActionUpdate.action_id == action.id))
    created.created_at = datetime(2024, 1, 10, 8, 0, tzinfo=UTC)
    db.session.commit()
    return {"event": event, "rec": rec, "action": action, "owner": owner, "onm": onm,
            "oim": oim, "indicator": indicator, "theme": theme, "created": created,
            "headers": bearer(make_token(make_user(Role.VIEWER)))}


def _action_document(d, detail: bool = False) -> dict:
    """Return the action as lists show it; `detail` adds the description (and only that:
    the caller adds indicators and history)."""
    action, rec = d["action"], d["rec"]
    days_late = (clock.today() - date(2024, 3, 1)).days
    return {
        "id": action.id, "title": "Publier le rapport",
        **({"description": "Rapport annuel."} if detail else {}),
        "recommendation": {"id": rec.id, "number": "R1", "title": "Produire des statistiques"},
        "event": {"id": d["event"].id, "title": "Atelier de Sousse"},
        "owner": {"id": d["owner"].id, "name": "Salma Ben Ali"},
        "lead_institution": {"id": d["onm"].id, "code": "ONM", "name": "Observatoire"},
        "contributors": [{"id": d["oim"].id, "code": "OIM", "name": "Organisation"}],
        "start_date": "2024-01-15", "deadline": "2024-03-01", "status": "not_started",
        "progress": 0, "version": action.version, "overdue": True, "days_late": days_late,
        "updated_at": "2024-06-02T09:30:00+00:00", "url": f"{WEB}/actions/{action.id}",
    }


def _indicator_document(d) -> dict:
    return {"id": d["indicator"].id, "name": "Rapports publiés", "unit": "rapports",
            "baseline_value": 0.0, "baseline_date": "2024-01-01", "target_value": 4.0,
            "target_date": "2026-01-01", "data_source": "ONM", "disaggregation": "par région",
            "latest": {"value": 1.5, "measured_on": "2024-06-01"}}


def _recommendation_document(d) -> dict:
    rec, theme = d["rec"], d["theme"]
    return {
        "id": rec.id, "number": "R1", "title": "Produire des statistiques",
        "text": "Publier chaque année.",
        "event": {"id": d["event"].id, "title": "Atelier de Sousse"},
        "theme": {"id": theme.id, "code": "information_systems",
                  "label": "Information systems"},  # in the client's language
        "priority": "high", "language": "fr", "gcm_objectives": [1, 3], "progress": 0,
        "action_count": 1, "overdue_count": 1,
        "url": f"{WEB}/recommendations/{rec.id}",
    }


def _event_document(d, detail: bool = False) -> dict:
    event = d["event"]
    return {"id": event.id, "title": "Atelier de Sousse", "date": "2024-05-20",
            "place": "Sousse", "organisers": "ONM et OIM",
            "source_url": "https://example.org/atelier", "is_public": True,
            "recommendation_count": 1, "action_count": 1,
            **({"description": "Deux jours d'échanges."} if detail else {}),
            "url": f"{WEB}/events/{event.id}"}


def test_an_action_reads_as_its_whole_document(client, documented):
    d = documented
    body = client.get(f"/api/v1/actions/{d['action'].id}", headers=d["headers"]).get_json()
    assert body == {**_action_document(d, detail=True),
                    "indicators": [_indicator_document(d)], "history": [
        {"id": d["created"].id, "created_at": "2024-01-10T08:00:00+00:00", "kind": "created",
         "author": {"id": d["owner"].id, "name": "Salma Ben Ali"}, "old_status": None,
         "new_status": "not_started", "old_progress": None, "new_progress": 0,
         "comment": ""}]}


def test_an_event_and_a_recommendation_read_as_their_whole_documents(client, documented):
    d = documented
    event = client.get(f"/api/v1/events/{d['event'].id}", headers=d["headers"]).get_json()
    assert event == {**_event_document(d, detail=True), "recommendations": [
        {"id": d["rec"].id, "number": "R1", "title": "Produire des statistiques"}]}
    rec = client.get(f"/api/v1/recommendations/{d['rec'].id}", headers=d["headers"]).get_json()
    assert rec == {**_recommendation_document(d), "indicators": [],
                   "actions": [_action_document(d)]}


def test_list_pages_read_as_their_whole_documents(client, documented):
    d = documented
    events = client.get("/api/v1/events?per_page=5", headers=d["headers"]).get_json()
    assert events == {"items": [_event_document(d)], "page": 1, "per_page": 5, "total": 1,
                      "pages": 1,
                      "links": {"self": f"{WEB}/api/v1/events?per_page=5&page=1",
                                "first": f"{WEB}/api/v1/events?per_page=5&page=1",
                                "last": f"{WEB}/api/v1/events?per_page=5&page=1",
                                "next": None, "prev": None}}
    recs = client.get("/api/v1/recommendations?status=not_started", headers=d["headers"])
    url = f"{WEB}/api/v1/recommendations?status=not_started&page=1"
    assert recs.get_json() == {"items": [_recommendation_document(d)], "page": 1,
                               "per_page": 50, "total": 1, "pages": 1,
                               "links": {"self": url, "first": url, "last": url,
                                         "next": None, "prev": None}}
    actions = client.get("/api/v1/actions?overdue=1&per_page=1", headers=d["headers"])
    url = f"{WEB}/api/v1/actions?overdue=1&per_page=1&page=1"
    item = _action_document(d)
    assert actions.get_json() == {"items": [item], "page": 1, "per_page": 1, "total": 1,
                                  "pages": 1, "links": {"self": url, "first": url, "last": url,
                                                        "next": None, "prev": None}}


def test_an_update_answers_with_its_history_row_and_the_action(client, documented,
                                                              make_user, make_token):
    d = documented
    coordinator = make_user(Role.COORDINATOR, name="Karim Coordinateur")
    response = post_update(client, make_token(coordinator), d["action"].id,
                           status="in_progress", progress=40, comment="Lancé",
                           version=d["action"].version)
    assert response.status_code == 201
    body = response.get_json()
    action = db.session.get(Action, d["action"].id)
    entry = db.session.scalar(select(ActionUpdate).where(ActionUpdate.comment == "Lancé"))
    expected = _action_document(d)
    expected.update(status="in_progress", progress=40, version=action.version,
                    updated_at=action.updated_at.isoformat())
    assert body == {
        "update": {"id": entry.id, "created_at": entry.created_at.isoformat(),
                   "kind": "progress",
                   "author": {"id": coordinator.id, "name": "Karim Coordinateur"},
                   "old_status": "not_started", "new_status": "in_progress",
                   "old_progress": 0, "new_progress": 40, "comment": "Lancé"},
        "action": expected}


def test_absolute_urls_are_on_the_configured_address_whatever_the_host_header(
        client, documented, make_action, make_user, make_token):
    d = documented
    make_action(recommendation=d["rec"])
    hostile = {"Host": "evil.example"}
    page = client.get("/api/v1/actions?per_page=1", headers={**d["headers"], **hostile})
    body = page.get_json()
    assert body["links"]["next"] == f"{WEB}/api/v1/actions?per_page=1&page=2"
    assert body["links"]["self"] == f"{WEB}/api/v1/actions?per_page=1&page=1"
    assert body["items"][0]["url"].startswith(f"{WEB}/actions/")
    events = client.get("/api/v1/events", headers={**d["headers"], **hostile}).get_json()
    assert events["items"][0]["url"] == f"{WEB}/events/{d['event'].id}"

    coordinator = bearer(make_token(make_user(Role.COORDINATOR)))
    url = f"/api/v1/actions/{d['action'].id}/updates"
    update = {"status": "in_progress", "progress": 5, "version": d["action"].version}
    response = client.post(url, json=update, csrf=False, headers={**coordinator, **hostile})
    assert response.headers["Location"] == f"{WEB}/api/v1/actions/{d['action'].id}"
    response = client.post(url, json=update, csrf=False, headers={**coordinator, **hostile})
    assert assert_problem(response, 409)["type"] == f"{WEB}/api/v1/docs#problem-stale-version"
    docs = client.get("/api/v1/docs", headers=hostile).get_data(as_text=True)
    assert f"{WEB}/api/v1" in docs and "evil.example" not in docs


def test_through_the_api_blocking_needs_a_reason_and_a_focal_points_cancel_is_a_proposal(
        client, make_user, make_action, make_token):
    focal = make_user(Role.FOCAL_POINT)
    action = make_action(owner=focal)
    secret = make_token(focal)
    body = assert_problem(post_update(client, secret, action.id, status="blocked",
                                      progress=10, version=action.version), 422)
    assert "Say what blocks the action" in json.dumps(body)
    assert db.session.get(Action, action.id).status == Status.NOT_STARTED
    assert post_update(client, secret, action.id, status="cancelled", progress=10,
                       comment="Sans objet.", version=action.version).status_code == 201
    assert db.session.get(Action, action.id).status == Status.PENDING_CANCELLATION
