"""The five ways of recording news on an action do the same thing.

The web form, the API, a one-click email link, a spreadsheet import and a reply by email
all end in the same history row, the same emails queued and the same refusals (a reply
the rules refuse is held for a coordinator). Each scenario states its
expected outcome once, and every way in must produce it.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tracker.actions.services import Change, NotAllowed, record_update
from tracker.api import tokens
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionUpdate,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    ReplyStatus,
    Role,
    Status,
)
from tracker.reminders import links
from tracker.replies import reference
from tracker.replies.services import process_message

WAYS = ["web", "api", "email", "spreadsheet", "reply"]
SHEET_TOKEN_RE = re.compile(r'name="token" type="hidden" value="([^"]+)"')
COLUMNS = ("event_ref", "recommendation_ref", "recommendation_number", "recommendation_title",
           "action_ref", "action_title", "owner_email", "lead_institution", "deadline",
           "status", "progress")


@pytest.fixture
def world(app, make_user, make_institution, make_event, make_recommendation, make_action,
          tmp_path):
    app.config["SPREADSHEET_IMPORT_FOLDER"] = str(tmp_path / "pending")
    onm = make_institution("ONM", "Observatoire national de la migration")
    ins = make_institution("INS", "Institut national de la statistique")
    owner = make_user(Role.FOCAL_POINT, institution=onm, email="leila@onm.tn", name="Leila")
    outsider = make_user(Role.FOCAL_POINT, institution=ins, email="karim@ins.tn", name="Karim")
    first = make_user(Role.COORDINATOR, email="amel@onm.tn", name="Amel")
    second = make_user(Role.COORDINATOR, email="sami@onm.tn", name="Sami")
    event = make_event(ref="ATELIER-2024")
    recommendation = make_recommendation(event=event, ref="R1", number="1",
                                         title="Renforcer le système d'information")
    action = make_action(owner=owner, recommendation=recommendation, lead_institution=onm,
                         title="Publier l'annuaire", ref="R1-A1",
                         deadline=date.today() + timedelta(days=60))
    record_update(owner, action, None, Change(status=Status.IN_PROGRESS, progress=40,
                                              comment="Premier chapitre rédigé."))
    db.session.execute(db.delete(OutboxMessage))
    db.session.commit()
    return {"action": action, "owner": owner, "outsider": outsider,
            "coordinators": [first, second]}


def _sheet(action: Action, status: Status, progress: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerow([
        "ATELIER-2024", "R1", "1", action.recommendation.title, action.ref, action.title,
        action.owner.email, action.lead_institution.code, action.deadline.isoformat(),
        status.value, str(progress)])
    return buffer.getvalue().encode()


def record(way: str, client, auth, user, action: Action, status: Status, progress: int,
           comment: str) -> int:
    """Ask for `status` and `progress` on `action` as `user`, the `way` way; return the
    HTTP status of the answer that says whether it was recorded."""
    if way == "web":
        auth.login(user)
        response = client.post(f"/actions/{action.id}/update", data={
            "status": status.value, "progress": str(progress), "comment": comment,
            "version": str(action.version)})
    elif way == "api":
        _token, secret = tokens.create_token(user, user, "test")
        db.session.commit()
        response = client.post(f"/api/v1/actions/{action.id}/updates", json={
            "status": status.value, "progress": progress, "comment": comment,
            "version": action.version}, headers={"Authorization": f"Bearer {secret}"},
            csrf=False)
    elif way == "email":
        operation = {Status.COMPLETED: "complete", Status.IN_PROGRESS: "start"}[status]
        url = links.action_link(user.id, action.id, operation)
        response = client.post(urlsplit(url).path, data={"comment": comment})
    elif way == "reply":
        return reply(user, action, status, progress, comment)
    else:
        auth.login(user)
        preview = client.post("/spreadsheets/import", data={
            "file": (io.BytesIO(_sheet(action, status, progress)), "plan.csv")})
        if preview.status_code != 200:
            return preview.status_code
        token = SHEET_TOKEN_RE.search(preview.get_data(as_text=True)).group(1)
        response = client.post("/spreadsheets/import/confirm", data={"token": token})
    return 200 if response.status_code in (200, 201, 302) else response.status_code


def reply(user, action: Action, status: Status, progress: int, comment: str) -> int:
    """Answer an email the tracker sent `user` about `action`, the status word first."""
    sent = OutboxMessage(key=f"sent:{user.id}:{action.id}", kind=MessageKind.NOTIFICATION,
                         recipient=user, action=action, to_email=user.email,
                         template="notification", status=MessageStatus.SENT)
    db.session.add(sent)
    db.session.commit()
    message = EmailMessage()
    message["From"] = user.email
    message["To"] = "suivi@tracker.test"
    message["Message-ID"] = make_msgid(domain="onm.tn")
    message["References"] = reference.headers(sent.message_uuid, "suivi@tracker.test")[
        "References"]
    word = {Status.COMPLETED: "terminé", Status.IN_PROGRESS: f"en cours {progress} %"}[status]
    message.set_content(f"{word}\n{comment}")
    processed = process_message(message.as_bytes())
    db.session.delete(sent)  # the outcome compares the emails queued by the update
    db.session.commit()
    if processed.reply.status == ReplyStatus.RECORDED:
        return 200
    return 403 if processed.reply.detail == str(NotAllowed()) else 422


def outcome(action: Action, since: int) -> dict:
    """Return what the tracker holds of `action` after an update: its state, the history
    rows added since row `since`, and the emails queued (event and recipient)."""
    db.session.expire_all()
    action = db.session.get(Action, action.id)
    rows = db.session.scalars(select(ActionUpdate).where(
        ActionUpdate.action_id == action.id, ActionUpdate.id > since)
        .order_by(ActionUpdate.id)).all()
    emails = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return {
        "state": (action.status, action.progress),
        "history": [(row.kind.value, row.old_status, row.new_status, row.old_progress,
                     row.new_progress, row.author.name) for row in rows],
        "emails": sorted((m.key.split(":")[1], m.to_email) for m in emails),
    }


def latest_row(action: Action) -> int:
    return db.session.scalar(select(db.func.max(ActionUpdate.id)).where(
        ActionUpdate.action_id == action.id))


@pytest.mark.parametrize("way", WAYS)
def test_a_coordinator_completing_an_action(way, client, auth, world):
    action, since = world["action"], latest_row(world["action"])
    coordinator = world["coordinators"][0]
    assert record(way, client, auth, coordinator, action, Status.COMPLETED, 100,
                  "Annuaire publié.") == 200
    assert outcome(action, since) == {
        "state": (Status.COMPLETED, 100),
        "history": [("progress", Status.IN_PROGRESS, Status.COMPLETED, 40, 100, "Amel")],
        "emails": [],
    }


@pytest.mark.parametrize("way", ["web", "api", "email", "reply"])
def test_a_focal_point_reporting_completion_waits_for_validation(way, client, auth, world):
    action, since = world["action"], latest_row(world["action"])
    assert record(way, client, auth, world["owner"], action, Status.COMPLETED, 100,
                  "Annuaire publié.") == 200
    assert outcome(action, since) == {
        "state": (Status.PENDING_VALIDATION, 100),
        "history": [("progress", Status.IN_PROGRESS, Status.PENDING_VALIDATION, 40, 100,
                     "Leila")],
        "emails": [("completion_reported", "amel@onm.tn"),
                   ("completion_reported", "sami@onm.tn")],
    }


@pytest.mark.parametrize("way", ["web", "api", "email", "reply"])
def test_a_validated_action_cannot_be_reopened_by_its_focal_point(way, client, auth, world):
    action = world["action"]
    record_update(world["coordinators"][0], action, None,
                  Change(status=Status.COMPLETED, progress=100))
    db.session.commit()
    since = latest_row(action)
    assert record(way, client, auth, world["owner"], action, Status.IN_PROGRESS, 50,
                  "Il manque un chapitre.") == 422
    assert outcome(action, since) == {
        "state": (Status.COMPLETED, 100), "history": [], "emails": []}


@pytest.mark.parametrize("way", WAYS)
def test_a_focal_point_of_another_institution_is_refused(way, client, auth, world):
    action, since = world["action"], latest_row(world["action"])
    assert record(way, client, auth, world["outsider"], action, Status.COMPLETED, 100,
                  "Fait.") == 403
    assert outcome(action, since) == {
        "state": (Status.IN_PROGRESS, 40), "history": [], "emails": []}
