"""Attacks a deployed tracker will meet: guessing, stolen sessions, injection, forgery."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.models import Action, AuditEntry, Role

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_failed_and_successful_logins_are_audited(client, auth, make_user):
    user = make_user(Role.VIEWER)
    client.post("/login", data={"email": user.email, "password": "wrong!"})
    auth.login(user)
    verbs = db.session.scalars(select(AuditEntry.verb).order_by(AuditEntry.id)).all()
    assert verbs[-2:] == ["login_failed", "login"]


def test_password_change_and_deactivation_end_existing_sessions(
        app, client, auth, make_user):
    admin = make_user(Role.ADMIN)
    victim = make_user(Role.FOCAL_POINT)
    auth.login(victim)
    assert client.get("/my-actions").status_code == 200
    other = app.test_client()
    other.post("/login", data={"email": admin.email, "password": PASSWORD})
    response = other.post(f"/admin/users/{victim.id}/edit", data={
        "email": victim.email, "name": victim.name, "role": "focal_point",
        "institution": victim.institution_id, "locale": "", "active": "y",
        "password": "a brand new password"})
    assert response.status_code == 302
    assert client.get("/my-actions").status_code == 302  # signed out


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://tracker.example.tn")
    assert "max-age" in secure.headers["Strict-Transport-Security"]


def test_xss_in_text_fields_comes_back_escaped(client, auth, make_user, make_action):
    coordinator = make_user(Role.COORDINATOR)
    action = make_action(title=XSS, description=XSS)
    recommendation = action.recommendation
    recommendation.title = XSS
    recommendation.text = XSS
    recommendation.event.title = XSS  # also offered in the list's filter menus
    action.owner.name = XSS
    action.lead_institution.name = XSS
    db.session.commit()
    auth.login(coordinator)
    client.post(f"/actions/{action.id}/update", data={
        "status": "in_progress", "progress": "10", "comment": XSS, "version": action.version})
    for url in (f"/actions/{action.id}", f"/recommendations/{recommendation.id}",
                f"/events/{recommendation.event_id}", "/actions", "/my-actions",
                "/recommendations", "/dashboard", f"/actions?q={XSS}"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page, url
        assert "<img src=x" not in page, url


@pytest.mark.parametrize("needle", ["' OR '1'='1", "%", "_", "\\", "'; DROP TABLE action; --",
                                    "\" OR 1=1 --"])
def test_sql_metacharacters_in_search_and_filters_change_nothing(
        client, auth, make_user, make_action, needle):
    make_action(title="Former les journalistes")
    auth.login(make_user(Role.VIEWER))
    quoted = quote(needle)
    for url in (f"/actions?q={quoted}", f"/recommendations?q={quoted}",
                f"/actions/export.csv?q={quoted}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Former les journalistes" not in response.get_data(as_text=True), url
    # Filters that do not parse are ignored: the whole list shows, nothing breaks.
    response = client.get(f"/actions?institution={quoted}&status={quoted}&sort={quoted}")
    assert response.status_code == 200
    assert "Former les journalistes" in response.get_data(as_text=True)
    assert db.session.scalar(select(Action.title)) == "Former les journalistes"


@pytest.mark.parametrize("path", ["/evidence/..%2F..%2Fetc%2Fpasswd", "/evidence/1%2F..",
                                  "/static/..%2F..%2Ftracker%2Fconfig.py",
                                  "/calendar/..%2F..%2Fetc%2Fpasswd.ics"])
def test_path_traversal_is_refused(client, auth, make_user, path):
    auth.login(make_user(Role.VIEWER))
    response = client.get(path)
    assert response.status_code == 404
    assert "root:" not in response.get_data(as_text=True)


def test_upload_names_never_reach_the_disk(app, client, auth, make_action):
    action = make_action()
    auth.login(action.owner)
    import io

    response = client.post(f"/actions/{action.id}/update", data={
        "status": "in_progress", "progress": "5", "comment": "", "links": "",
        "version": action.version,
        "files": [(io.BytesIO(b"%PDF-1.4\n"), "../../../../tmp/evil.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 302
    from pathlib import Path

    stored = [p.name for p in Path(app.config["UPLOAD_FOLDER"]).iterdir()]
    assert len(stored) == 1 and re.fullmatch(r"[0-9a-f]{32}\.pdf", stored[0])


def _post_routes(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.endpoint.startswith(("api.", "static")):
            yield rule


def test_every_post_route_rejects_a_missing_or_forged_csrf_token(
        app, client, auth, make_user, make_action):
    action = make_action()
    auth.login(make_user(Role.ADMIN))
    values = {"action_id": action.id, "recommendation_id": action.recommendation_id,
              "event_id": action.recommendation.event_id, "user_id": action.owner_id,
              "institution_id": action.lead_institution_id, "theme_id": 1, "request_id": 1,
              "message_id": 1, "evidence_id": 1, "token": "x", "token_id": 1,
              "indicator_id": 1, "reply_id": 1}
    exempt = {"reminders.unsubscribe"}  # authenticated by its signed token (one-click)
    checked = 0
    for rule in _post_routes(app):
        if rule.endpoint in exempt:
            continue
        url = rule.build({k: v for k, v in values.items() if k in rule.arguments},
                         append_unknown=False)[1]
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(url, data=data, csrf=False)
            assert response.status_code == 400, (url, response.status_code)
        checked += 1
    assert checked >= 15


FORMS = ["/events/new", "/events/{event}/recommendations/new",
         "/recommendations/{recommendation}/actions/new", "/actions/{action}/update",
         "/actions/{action}/edit", "/admin/users/new", "/admin/institutions/new",
         "/admin/themes/new", "/actions/{action}/extension", "/login"]

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
form_data = st.dictionaries(
    st.sampled_from(["title", "date", "deadline", "start_date", "owner", "lead_institution",
                     "contributors", "status", "progress", "comment", "version", "number",
                     "theme", "gcm_objectives", "priority", "language", "email", "name",
                     "role", "institution", "password", "code", "new_deadline", "reason",
                     "source_url", "links", "active"]),
    st.one_of(text, st.integers(-10**12, 10**12).map(str), st.just(""),
              st.dates(date(1, 1, 1), date(9999, 12, 31)).map(str)),
    max_size=12)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=form_data, form=st.sampled_from(FORMS))
def test_random_form_data_never_causes_a_server_error(app, client, auth, make_user,
                                                      make_action, data, form):
    action = db.session.scalar(select(Action)) or make_action()
    if client.get("/my-actions").status_code != 200:
        auth.login(make_user(Role.ADMIN, email=f"admin{date.today()}@fuzz.example"))
    url = form.format(action=action.id, recommendation=action.recommendation_id,
                      event=action.recommendation.event_id)
    response = client.post(url, data=data)
    assert response.status_code < 500, (url, data)


def _reset_link(runner, smtp) -> str:
    """Deliver the outbox and return the reset link of the email received."""
    assert runner.invoke(args=["reminders", "deliver"]).exit_code == 0
    body = smtp.messages[-1].get_body(("plain",)).get_content()
    match = re.search(r"(/password/reset/\S+)", body)
    assert match, body
    return match.group(1)


def test_password_reset_by_email_is_single_use_and_ends_other_sessions(
        app, client, auth, make_user, runner, smtp):
    user = make_user(Role.FOCAL_POINT, locale="en")
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert other.get("/my-actions").status_code == 200

    answer = client.post("/password/forgot", data={"email": user.email}, follow_redirects=True)
    assert "If an account has this address" in answer.get_data(as_text=True)
    link = _reset_link(runner, smtp)
    assert client.get(link).status_code == 200
    mismatch = client.post(link, data={"password": "new password 2026", "confirm": "other"})
    assert mismatch.status_code == 422
    done = client.post(link, data={"password": "new password 2026",
                                   "confirm": "new password 2026"})
    assert done.status_code == 302
    assert client.post(link, data={"password": "third password 2026",
                                   "confirm": "third password 2026"}).status_code == 410
    assert other.get("/my-actions").status_code == 302  # the old session is over
    assert auth.login(user, "new password 2026").status_code == 302


def test_password_reset_says_the_same_for_unknown_addresses(client):
    from tracker.models import OutboxMessage

    answer = client.post("/password/forgot", data={"email": "nobody@example.org"},
                         follow_redirects=True)
    assert "If an account has this address" in answer.get_data(as_text=True)
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert client.get("/password/reset/forged-token").status_code == 410
