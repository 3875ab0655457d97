"""The review: completions validated or returned, evidence, deadline extensions."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import (
    ActionUpdate,
    Evidence,
    ExtensionRequest,
    ExtensionStatus,
    Role,
    Status,
    UpdateKind,
)

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def _report(client, action, status="in_progress", progress="50", comment="", files=(),
            links=""):
    data = {"status": status, "progress": progress, "comment": comment, "links": links,
            "version": action.version}
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(f"/actions/{action.id}/update", data=data,
                       content_type="multipart/form-data")


def test_reported_completion_is_validated_from_the_queue(
        client, auth, make_action, coordinator):
    action = make_action(title="Publier le rapport annuel")
    auth.login(action.owner)
    _report(client, action, status="completed", progress="100", comment="Rapport publié.")
    auth.logout()

    auth.login(coordinator)
    queue = client.get("/review").get_data(as_text=True)
    assert "Publier le rapport annuel" in queue
    db.session.refresh(action)
    response = client.post(f"/actions/{action.id}/review", data={
        "decision": "validate", "comment": "Merci.", "version": action.version})
    assert response.status_code == 302
    db.session.refresh(action)
    assert action.status == Status.COMPLETED
    assert "Publier le rapport annuel" not in client.get("/review").get_data(as_text=True)
    kinds = [u.kind for u in action.updates]
    assert kinds[:2] == [UpdateKind.VALIDATED, UpdateKind.PROGRESS]


def test_returned_completion_goes_back_in_progress_with_the_reason(
        client, auth, make_action, coordinator):
    action = make_action()
    auth.login(action.owner)
    _report(client, action, status="in_progress", progress="70")
    db.session.refresh(action)
    _report(client, action, status="completed", progress="100")
    auth.logout()
    auth.login(coordinator)
    db.session.refresh(action)

    refused = client.post(f"/actions/{action.id}/review", data={
        "decision": "return", "comment": "", "version": action.version})
    assert refused.status_code == 422
    assert "Say what is missing" in refused.get_data(as_text=True)

    response = client.post(f"/actions/{action.id}/review", data={
        "decision": "return", "comment": "Joindre le procès-verbal.",
        "version": action.version})
    assert response.status_code == 302
    db.session.refresh(action)
    assert (action.status, action.progress) == (Status.IN_PROGRESS, 70)
    assert action.updates[0].kind == UpdateKind.RETURNED
    assert action.updates[0].comment == "Joindre le procès-verbal."


def test_only_pending_actions_can_be_validated_and_only_by_coordinators(
        client, auth, make_action, coordinator):
    action = make_action()
    auth.login(action.owner)
    response = client.post(f"/actions/{action.id}/review", data={
        "decision": "validate", "version": action.version})
    assert response.status_code == 403
    auth.logout()
    auth.login(coordinator)
    response = client.post(f"/actions/{action.id}/review", data={
        "decision": "validate", "version": action.version})
    assert response.status_code == 422
    db.session.refresh(action)
    assert action.status == Status.NOT_STARTED


def test_focal_point_cannot_reopen_a_validated_action(client, auth, make_action, coordinator):
    action = make_action()
    auth.login(coordinator)
    _report(client, action, status="completed", progress="100")
    auth.logout()
    auth.login(action.owner)
    db.session.refresh(action)
    response = _report(client, action, status="in_progress", progress="50")
    assert response.status_code == 422
    db.session.refresh(action)
    assert action.status == Status.COMPLETED


def test_update_with_files_and_links_keeps_them_as_downloadable_evidence(
        app, client, auth, make_action, make_user):
    action = make_action()
    auth.login(action.owner)
    response = _report(client, action, comment="Voir le rapport.",
                       files=[("rapport final.pdf", PDF), ("photo.png", PNG),
                              ("tableau.xlsx", _xlsx())],
                       links="https://www.migration.nat.tn/rapport\n")
    assert response.status_code == 302
    evidence = db.session.scalars(select(Evidence).order_by(Evidence.id)).all()
    assert [e.filename for e in evidence if e.filename] == [
        "rapport_final.pdf", "photo.png", "tableau.xlsx"]
    assert [e.url for e in evidence if e.url] == ["https://www.migration.nat.tn/rapport"]
    stored = evidence[0]
    assert stored.stored_name != "rapport_final.pdf" and stored.stored_name.endswith(".pdf")

    auth.logout()
    auth.login(make_user(Role.VIEWER))
    download = client.get(f"/evidence/{stored.id}")
    assert download.status_code == 200
    assert download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "rapport_final.pdf" in page and "https://www.migration.nat.tn/rapport" in page
    auth.logout()
    assert client.get(f"/evidence/{stored.id}").status_code == 302  # to the login page


@pytest.mark.parametrize("name, content, message", [
    ("script.pdf", b"#!/bin/sh\nrm -rf /\n", "is not an accepted file"),
    ("page.html", b"<html><script>alert(1)</script></html>", "is not an accepted file"),
    ("big.pdf", b"%PDF-1.4\n" + b"0" * (200 * 1024), "larger than"),
    ("empty.pdf", b"", "is empty"),
])
def test_refused_file_saves_nothing_of_the_update(
        app, client, auth, make_action, name, content, message):
    # Small sizes keep the request under the test client's in-memory limit.
    app.config["EVIDENCE_MAX_BYTES"] = 100 * 1024
    action = make_action()
    auth.login(action.owner)
    response = _report(client, action, status="in_progress", progress="40",
                       comment="Avec pièce jointe", files=[("ok.pdf", PDF), (name, content)])
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.refresh(action)
    assert (action.status, action.progress) == (Status.NOT_STARTED, 0)
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0
    assert db.session.scalar(select(func.count()).select_from(ActionUpdate).where(
        ActionUpdate.kind == UpdateKind.PROGRESS)) == 0
    folder = app.config["UPLOAD_FOLDER"]
    assert not list(Path(folder).glob("*"))


def test_unwritable_upload_folder_refuses_the_update_cleanly(
        app, client, auth, make_action, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    app.config["UPLOAD_FOLDER"] = str(blocker / "uploads")
    action = make_action()
    auth.login(action.owner)
    response = _report(client, action, comment="Rapport", files=[("r.pdf", PDF)])
    assert response.status_code == 422
    assert "could not be stored" in response.get_data(as_text=True)
    db.session.refresh(action)
    assert action.status == Status.NOT_STARTED
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_bad_links_are_refused(client, auth, make_action):
    action = make_action()
    auth.login(action.owner)
    response = _report(client, action, comment="x", links="javascript:alert(1)")
    assert response.status_code == 422
    assert "is not a web address" in response.get_data(as_text=True)


def test_deadline_extension_requested_then_accepted_keeps_both_deadlines(
        client, auth, make_action, coordinator):
    action = make_action()
    original = action.deadline
    wanted = original + timedelta(days=45)
    auth.login(action.owner)
    response = client.post(f"/actions/{action.id}/extension", data={
        "new_deadline": wanted.isoformat(), "reason": "Données de l'INS en retard."})
    assert response.status_code == 302
    again = client.post(f"/actions/{action.id}/extension", data={
        "new_deadline": (wanted + timedelta(days=1)).isoformat(), "reason": "Encore"})
    assert again.status_code == 422
    auth.logout()

    auth.login(coordinator)
    assert "Données de l&#39;INS en retard." in client.get("/review").get_data(as_text=True)
    request = db.session.scalars(select(ExtensionRequest)).one()
    response = client.post(f"/extensions/{request.id}/decision", data={
        "decision": "accept", "comment": ""})
    assert response.status_code == 302
    db.session.refresh(action)
    db.session.refresh(request)
    assert action.deadline == wanted
    assert (request.status, request.original_deadline) == (ExtensionStatus.ACCEPTED, original)
    accepted = action.updates[0]
    assert accepted.kind == UpdateKind.EXTENSION_ACCEPTED
    assert accepted.changes["deadline"] == [original.isoformat(), wanted.isoformat()]
    assert client.post(f"/extensions/{request.id}/decision", data={
        "decision": "refuse", "comment": "trop tard"}).status_code == 422


def test_refused_extension_keeps_the_deadline_and_needs_a_reason(
        client, auth, make_action, coordinator):
    action = make_action()
    original = action.deadline
    auth.login(action.owner)
    client.post(f"/actions/{action.id}/extension", data={
        "new_deadline": (original + timedelta(days=10)).isoformat(), "reason": "Congés"})
    auth.logout()
    auth.login(coordinator)
    request = db.session.scalars(select(ExtensionRequest)).one()
    assert client.post(f"/extensions/{request.id}/decision", data={
        "decision": "refuse", "comment": ""}).status_code == 422
    assert client.post(f"/extensions/{request.id}/decision", data={
        "decision": "refuse", "comment": "L'échéance est fixée par le bailleur."}
    ).status_code == 302
    db.session.refresh(action)
    assert action.deadline == original
    assert action.updates[0].kind == UpdateKind.EXTENSION_REFUSED


@pytest.mark.parametrize("new_deadline, reason, message", [
    ("earlier", "raison", "must be later"),
    ("later", "", "This field is required"),
    ("2026-02-31", "raison", "Not a valid date"),
])
def test_bad_extension_requests_are_refused(client, auth, make_action, new_deadline, reason,
                                            message):
    action = make_action()
    value = {"earlier": (action.deadline - timedelta(days=1)).isoformat(),
             "later": (action.deadline + timedelta(days=5)).isoformat()}.get(
        new_deadline, new_deadline)
    auth.login(action.owner)
    response = client.post(f"/actions/{action.id}/extension", data={
        "new_deadline": value, "reason": reason})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(ExtensionRequest)).all() == []


def test_other_focal_points_cannot_request_extensions(client, auth, make_action, make_user):
    action = make_action()
    auth.login(make_user(Role.FOCAL_POINT))
    response = client.post(f"/actions/{action.id}/extension", data={
        "new_deadline": (date.today() + timedelta(days=90)).isoformat(), "reason": "x"})
    assert response.status_code == 403
