"""Every route, for every role: the server enforces what the pages hide.

A route without a rule in ACCESS fails this suite, so no page can be added without
deciding who may use it.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tracker.actions.review import request_extension
from tracker.actions.services import Change, record_update
from tracker.evidence.storage import CheckedFile, remove
from tracker.extensions import db
from tracker.importing.services import keep_source
from tracker.indicators.services import add_indicator
from tracker.models import Evidence, HoldReason, InboundReply, ReplyStatus, Role, Status

# Who may use each endpoint: public, any logged-in user, those allowed to update the
# action, coordinators and admins (manager), or admins only.
ACCESS = {
    "static": "public",
    "auth.login": "public",
    "auth.logout": "login",
    "auth.forgot_password": "public",
    "auth.reset_password": "public",
    "auth.accept_invitation": "public",
    "main.index": "login",
    "main.set_language": "public",
    "main.health": "public",
    "main.ping": "public",
    "actions.index": "login",
    "actions.mine": "login",
    "actions.show": "login",
    "actions.update": "updater",
    "review.queue": "manager",
    "review.decide": "manager",
    "review.validate_selected": "manager",
    "review.decide_cancellation": "manager",
    "review.request_extension": "updater",
    "review.decide_extension": "manager",
    "evidence.download": "login",
    "exports.actions": "login",
    "reminders.email_action": "public",
    "reminders.unsubscribe": "public",
    "reminders.preferences": "login",
    "reminders.outbox": "admin",
    "reminders.outbox_message": "admin",
    "reminders.retry": "admin",
    "reminders.schedule": "admin",
    "workdays.closed_days": "admin",
    "workdays.remove": "admin",
    "actions.create": "manager",
    "actions.edit": "manager",
    "actions.bulk_preview": "manager",
    "actions.bulk_apply": "manager",
    "actions.save_view": "manager",
    "actions.delete_view": "manager",
    "dashboard.index": "login",
    "events.index": "login",
    "events.recommendations": "login",
    "events.show": "login",
    "events.create": "manager",
    "events.edit": "manager",
    "events.show_recommendation": "login",
    "events.create_recommendation": "manager",
    "events.edit_recommendation": "manager",
    "admin.users": "admin",
    "admin.create_user": "admin",
    "admin.edit_user": "admin",
    "admin.institutions": "admin",
    "admin.edit_institution": "admin",
    "admin.themes": "admin",
    "admin.edit_theme": "admin",
    "reports.event": "login",
    "reports.event_pdf": "login",
    "reports.meeting": "login",
    "reports.meeting_file": "login",
    "reports.gcm": "login",
    "reports.gcm_file": "login",
    "profile.index": "login",
    "profile.create_calendar_link": "login",
    "profile.revoke_calendar_link": "login",
    "profile.calendar": "public",
    "profile.create_api_token": "login",
    "profile.revoke_api_token": "login",
    # The REST API authenticates by bearer token, not by the session this walk logs in
    # with: every "api.*" route answers 401 here whoever is signed in, so the walk skips
    # them; tests/test_api.py checks who may use each one with tokens. Its description
    # and documentation page are public.
    "api.list_events": "bearer",
    "api.get_event": "bearer",
    "api.list_recommendations": "bearer",
    "api.get_recommendation": "bearer",
    "api.list_actions": "bearer",
    "api.get_action": "bearer",
    "api.create_update": "bearer",
    "api_docs.openapi_json": "public",
    "api_docs.docs": "public",
    "public.index": "public",
    "public.event": "public",
    "public.gcm": "public",
    "public.visibility": "manager",
    "importing.upload": "manager",
    "importing.accept": "manager",
    "importing.add_passage": "manager",
    "importing.link": "manager",
    "importing.download_source": "login",
    "importing.recurring_list": "login",
    "spreadsheets.upload": "manager",
    "spreadsheets.confirm": "manager",
    "spreadsheets.progress": "manager",
    "spreadsheets.download_template": "manager",
    "indicators.add_to_action": "manager",
    "indicators.add_to_recommendation": "manager",
    "indicators.edit": "manager",
    "indicators.delete": "manager",
    # The world's indicator is its recommendation's: the focal points of its actions record.
    "indicators.record": "updater",
    "replies.held": "manager",
    "replies.show": "manager",
    "replies.assign": "manager",
    "replies.refuse": "manager",
    "archive.archive": "manager",
    "archive.restore": "manager",
    "archive.delete": "admin",
    "archive.index": "manager",
    "audit.index": "admin",
    "audit.export": "admin",
}

ALLOWED = {
    "public": {"anonymous", "viewer", "focal_other", "focal_owner", "coordinator", "admin"},
    "login": {"viewer", "focal_other", "focal_owner", "coordinator", "admin"},
    "updater": {"focal_owner", "coordinator", "admin"},
    "manager": {"coordinator", "admin"},
    "admin": {"admin"},
}
ROLES = ["anonymous", "viewer", "focal_other", "focal_owner", "coordinator", "admin"]


def test_every_route_has_an_access_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - ACCESS.keys()
    assert not missing, f"add an access rule to ACCESS for: {sorted(missing)}"
    assert not ACCESS.keys() - endpoints, "ACCESS names endpoints the app no longer has"


@pytest.fixture
def world(make_user, make_action, make_institution):
    owner_institution = make_institution("OWN")
    owner = make_user(Role.FOCAL_POINT, institution=owner_institution)
    action = make_action(owner=owner)
    extension = request_extension(owner, action, action.deadline + timedelta(days=30),
                                  "Données en attente", date.today())
    update = record_update(owner, action, None, Change(
        status=Status.IN_PROGRESS, progress=10,
        files=[CheckedFile("note.pdf", "application/pdf", "pdf", b"%PDF-1.4")]))
    written = [evidence.stored_name for evidence in update.evidence]
    indicator = add_indicator(owner, {
        "name": "Dossiers traités", "baseline_value": 0.0, "target_value": 10.0,
        "baseline_date": date.today() - timedelta(days=30),
        "target_date": date.today() + timedelta(days=300)}, recommendation=action.recommendation)
    document = keep_source(owner, action.recommendation.event,
                           CheckedFile("rapport.txt", "text/plain", "txt", b"Rapport"))
    written.append(document.stored_name)
    db.session.commit()
    reply = InboundReply(message_key="<reply@onm.example>", status=ReplyStatus.HELD,
                         reason=HoldReason.NO_REFERENCE, subject="Re: rappel",
                         body="Terminé.", action_id=action.id)
    db.session.add(reply)
    db.session.commit()
    evidence_id = db.session.scalar(select(Evidence.id))
    admin = make_user(Role.ADMIN)
    users = {
        "viewer": make_user(Role.VIEWER),
        "focal_other": make_user(Role.FOCAL_POINT, institution=make_institution("OTHER")),
        "focal_owner": owner,
        "coordinator": make_user(Role.COORDINATOR),
        "admin": admin,
    }
    ids = {
        "action_id": action.id,
        "recommendation_id": action.recommendation_id,
        "event_id": action.recommendation.event_id,
        "user_id": owner.id,
        "institution_id": owner_institution.id,
        "theme_id": 1,
        "request_id": extension.id,
        "evidence_id": evidence_id,
        "document_id": document.id,
        "indicator_id": indicator.id,
        "fmt": "csv",
        "token": "not-a-valid-token",
        "token_id": 1,
        "message_id": 1,
        "reply_id": reply.id,
        "job_id": 1,
        "day_id": 1,
        "filename": "tracker.css",
        "view_id": 1,
    }
    yield users, ids
    remove(written)


def _requests(app, ids):
    for rule in app.url_map.iter_rules():
        url = rule.build({k: v for k, v in ids.items() if k in rule.arguments},
                         append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


@pytest.mark.parametrize("role", ROLES)
def test_each_route_answers_each_role_as_its_rule_says(role, app, client, auth, world):
    users, ids = world
    if role != "anonymous":
        assert auth.login(users[role]).status_code == 302
    failures = []
    for endpoint, method, url in _requests(app, ids):
        if endpoint == "auth.logout" and method == "POST":
            continue  # would end the session the rest of the walk needs; tested in test_auth
        if ACCESS[endpoint] == "bearer":
            continue  # token-authenticated API: see the comment in ACCESS
        if method == "POST":
            response = client.post(url, data={})
        else:
            response = client.open(url, method=method)
        response.close()
        allowed = role in ALLOWED[ACCESS[endpoint]]
        status = response.status_code
        location = response.headers.get("Location", "")
        refused = status == 403 or (status == 302 and "/login" in location and
                                    endpoint != "auth.login")
        if status >= 500:
            failures.append(f"{method} {url}: {status}")
        elif allowed and refused:
            failures.append(f"{method} {url}: refused ({status}) but {role} may use it")
        elif not allowed and not refused:
            failures.append(f"{method} {url}: answered {status} but {role} may not use it")
        elif not allowed and role == "anonymous" and status != 302:
            failures.append(f"{method} {url}: anonymous should be sent to the login page")
    assert not failures, "\n".join(failures)
