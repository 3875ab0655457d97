"""Reviewing in place: the queue shows each report and decides there; several completions
are validated with one comment; a focal point's cancellation waits for a coordinator;
blocking needs a reason and tells the coordinators."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from sqlalchemy import func, select

from tests.conftest import count_queries
from tests.helpers import deliver, plan
from tracker.extensions import db
from tracker.indicators.services import add_indicator
from tracker.models import ActionUpdate, OutboxMessage, Role, Status, UpdateKind
from tracker.workdays.services import next_working_day

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def report(client, action, status="completed", progress="100", comment="", files=(),
           links="", **fields):
    """Post the action's update form as its owner would."""
    db.session.refresh(action)
    data = {"status": status, "progress": progress, "comment": comment, "links": links,
            "version": action.version, **fields}
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(f"/actions/{action.id}/update", data=data,
                       content_type="multipart/form-data")


def reported(client, auth, make_action, title: str, comment: str = "Fait."):
    """Return an action its owner reported completed, signed out again."""
    action = make_action(title=title)
    auth.login(action.owner)
    assert report(client, action, comment=comment).status_code == 302
    auth.logout()
    db.session.refresh(action)
    return action


def kinds(action) -> list[UpdateKind]:
    return list(db.session.scalars(select(ActionUpdate.kind).where(
        ActionUpdate.action_id == action.id).order_by(ActionUpdate.id)))


def test_the_queue_shows_the_report_comment_evidence_and_indicator_values(
        client, auth, make_action, coordinator):
    action = make_action(title="Publier le rapport annuel")
    indicator = add_indicator(coordinator, {
        "name": "Rapports publiés", "unit": "rapports", "baseline_value": 0.0,
        "target_value": 4.0, "baseline_date": date.today() - timedelta(days=60),
        "target_date": date.today() + timedelta(days=300)}, action=action)
    db.session.commit()
    auth.login(action.owner)
    response = report(client, action, comment="Rapport validé en conseil le 2 mai.",
                      files=[("rapport-final.pdf", PDF), ("photo-atelier.png", PNG)],
                      links="https://onm.example/rapport",
                      **{f"indicator_{indicator.id}_value": "3",
                         f"indicator_{indicator.id}_date": date.today().isoformat()})
    assert response.status_code == 302, response.get_data(as_text=True)
    auth.logout()

    auth.login(coordinator)
    page = client.get("/review").get_data(as_text=True)
    assert "Publier le rapport annuel" in page
    assert "Rapport validé en conseil le 2 mai." in page
    assert "Indicator values reported" in page and "Rapports publiés: 3" in page
    pictures = re.findall(r'<img src="(/evidence/\d+)" alt="photo-atelier.png"', page)
    assert len(pictures) == 1
    assert re.search(r'<a href="/evidence/\d+" download>.*PDF.*rapport-final.pdf</a>', page)
    assert "https://onm.example/rapport" in page
    # The thumbnail comes through the evidence route, which checks who may see it.
    picture = client.get(pictures[0])
    assert picture.status_code == 200 and picture.data == PNG
    auth.logout()
    assert client.get(pictures[0]).status_code == 302  # to the sign-in page


def test_a_completion_is_validated_or_returned_from_the_queue(
        client, auth, make_action, coordinator):
    kept = reported(client, auth, make_action, "Former les agents")
    sent_back = reported(client, auth, make_action, "Publier la note")
    auth.login(coordinator)

    response = client.post(f"/actions/{kept.id}/review", data={
        "decision": "validate", "comment": "Merci.", "version": kept.version,
        "origin": "queue"})
    assert response.status_code == 302 and response.location.endswith("/review")
    page = client.get("/review").get_data(as_text=True)
    assert "Action validated as completed." in page and "Former les agents" not in page

    # Returning needs a comment: the queue comes back with the error under that item.
    refused = client.post(f"/actions/{sent_back.id}/review", data={
        "decision": "return", "comment": "", "version": sent_back.version,
        "origin": "queue"})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "<h1>To review</h1>" in body
    assert f'id="completion-{sent_back.id}-decision-comment-errors"' in body
    assert "Say what is missing" in body
    returned = client.post(f"/actions/{sent_back.id}/review", data={
        "decision": "return", "comment": "Joindre la liste des participants.",
        "version": sent_back.version, "origin": "queue"})
    assert returned.status_code == 302 and returned.location.endswith("/review")
    db.session.refresh(kept)
    db.session.refresh(sent_back)
    assert kept.status == Status.COMPLETED
    assert sent_back.status == Status.IN_PROGRESS


def test_several_completions_are_validated_with_one_comment(
        client, auth, make_action, coordinator):
    actions = [reported(client, auth, make_action, f"Action à valider {n}") for n in range(3)]
    auth.login(coordinator)
    page = client.get("/review").get_data(as_text=True)
    values = re.findall(r'form="bulk-validate" name="selected" value="([\d:]+)"', page)
    assert values == [f"{a.id}:{a.version}" for a in actions]

    response = client.post("/review/validate", data={
        "selected": values, "comment": "Validé en réunion de suivi."})
    assert response.status_code == 302 and response.location.endswith("/review")
    assert "3 actions validated as completed." in client.get("/review").get_data(as_text=True)
    for action in actions:
        db.session.refresh(action)
        assert action.status == Status.COMPLETED
        assert action.updates[0].kind == UpdateKind.VALIDATED
        assert action.updates[0].comment == "Validé en réunion de suivi."


def test_a_selection_with_a_stale_item_validates_nothing_and_says_which(
        client, auth, make_action, coordinator):
    actions = [reported(client, auth, make_action, f"Rapport régional {n}") for n in range(3)]
    auth.login(coordinator)
    values = [f"{a.id}:{a.version}" for a in actions]
    # The owner of the second adds news after the coordinator opened the queue.
    auth.logout()
    auth.login(actions[1].owner)
    assert report(client, actions[1], comment="Annexe ajoutée.").status_code == 302
    auth.logout()
    auth.login(coordinator)
    # The third was already validated by another coordinator.
    assert client.post(f"/actions/{actions[2].id}/review", data={
        "decision": "validate", "version": actions[2].version}).status_code == 302
    rows_before = db.session.scalar(select(func.count()).select_from(ActionUpdate))

    refused = client.post("/review/validate", data={"selected": values, "comment": "OK."})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "Nothing was validated" in body
    assert "Rapport régional 1 was changed since you saw it" in body
    assert "Rapport régional 2 no longer waits for validation" in body
    assert "Rapport régional 0" not in body.split("Nothing was validated")[1].split("</ul>")[0]
    assert db.session.scalar(select(func.count()).select_from(ActionUpdate)) == rows_before
    db.session.refresh(actions[0])
    assert actions[0].status == Status.PENDING_VALIDATION

    # Nothing selected, or a selection that cannot be read: a clear 422, nothing written.
    for data in ({"comment": "OK."}, {"selected": ["1:x"]}, {"selected": ["99999999999:1"]}):
        response = client.post("/review/validate", data=data)
        assert response.status_code == 422, data
    gone = client.post("/review/validate", data={"selected": ["999999:1"]})
    assert gone.status_code == 422 and "#999999 no longer exists" in gone.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ActionUpdate)) == rows_before


def test_a_focal_points_cancellation_waits_for_a_coordinator(
        client, auth, make_action, coordinator):
    action = make_action(title="Numériser les archives")
    auth.login(action.owner)
    assert report(client, action, status="in_progress", progress="40").status_code == 302
    # A reason is required.
    refused = report(client, action, status="cancelled", progress="40")
    assert refused.status_code == 422
    assert "Give the reason for cancelling" in refused.get_data(as_text=True)
    proposed = report(client, action, status="cancelled", progress="40",
                      comment="Budget supprimé par la loi de finances.")
    assert proposed.status_code == 302
    db.session.refresh(action)
    assert action.status == Status.PENDING_CANCELLATION
    auth.logout()

    auth.login(coordinator)
    page = client.get("/review").get_data(as_text=True)
    section = page.split('id="cancellations-heading"')[1].split('id="extensions-heading"')[0]
    assert "Numériser les archives" in section
    assert "Budget supprimé par la loi de finances." in section
    assert "before: In progress" in section

    # Refusing needs a comment, and the action goes back where it was.
    no_reason = client.post(f"/actions/{action.id}/cancellation", data={
        "decision": "refuse", "comment": "", "version": action.version, "origin": "queue"})
    assert no_reason.status_code == 422
    assert "Say why the action goes on" in no_reason.get_data(as_text=True)
    refused = client.post(f"/actions/{action.id}/cancellation", data={
        "decision": "refuse", "comment": "Financement européen disponible.",
        "version": action.version, "origin": "queue"})
    assert refused.status_code == 302
    db.session.refresh(action)
    assert (action.status, action.progress) == (Status.IN_PROGRESS, 40)
    assert action.updates[0].kind == UpdateKind.CANCELLATION_REFUSED
    auth.logout()

    # Proposed again, then accepted.
    auth.login(action.owner)
    assert report(client, action, status="cancelled", progress="40",
                  comment="Le projet est repris par un autre ministère.").status_code == 302
    auth.logout()
    auth.login(coordinator)
    db.session.refresh(action)
    accepted = client.post(f"/actions/{action.id}/cancellation", data={
        "decision": "accept", "comment": "", "version": action.version, "origin": "queue"})
    assert accepted.status_code == 302
    db.session.refresh(action)
    assert action.status == Status.CANCELLED
    assert kinds(action)[-1] == UpdateKind.CANCELLATION_ACCEPTED
    # A decision on what no longer waits is refused, and the queue says why.
    again = client.post(f"/actions/{action.id}/cancellation", data={
        "decision": "accept", "version": action.version, "origin": "queue"})
    assert again.status_code == 422
    assert "Only a proposed cancellation" in again.get_data(as_text=True)
    # The owner cannot reopen what a coordinator cancelled.
    auth.logout()
    auth.login(action.owner)
    reopen = report(client, action, status="in_progress", progress="40", comment="Repris.")
    assert reopen.status_code == 422
    assert "ask a coordinator to reopen it" in reopen.get_data(as_text=True)


def test_blocking_needs_a_reason_and_tells_the_coordinators_in_their_daily_email(
        runner, smtp, client, auth, make_action, make_user):
    lead = make_user(Role.COORDINATOR, locale="en", email="coord@onm.example")
    action = make_action(title="Enquête nationale sur la migration")
    db.session.execute(OutboxMessage.__table__.delete())  # the "assigned" notifications
    db.session.commit()
    auth.login(action.owner)
    refused = report(client, action, status="blocked", progress="20")
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "Say what blocks the action" in body and 'aria-invalid="true"' in body
    assert report(client, action, status="blocked", progress="20",
                  comment="Autorisation de l'INS en attente.").status_code == 302
    auth.logout()

    day = next_working_day(date.today() + timedelta(days=1))  # no daily email on weekends
    plan(runner, day)
    deliver(runner, day)
    mine = [m for m in smtp.messages if m["To"] == lead.email]
    assert len(mine) == 1
    text = mine[0].get_body(("plain",)).get_content()
    assert 'reported the action "Enquête nationale sur la migration" blocked.' in text
    assert "Autorisation de l'INS en attente." in text


def test_the_dashboard_shows_blocked_actions_as_their_own_share(
        client, auth, make_action, coordinator):
    for n in range(4):
        make_action(title=f"Action {n}")
    blocked = make_action(title="Action bloquée")
    auth.login(coordinator)
    db.session.refresh(blocked)
    assert client.post(f"/actions/{blocked.id}/update", data={
        "status": "blocked", "progress": "10", "comment": "Données indisponibles.",
        "version": blocked.version}).status_code == 302
    page = client.get("/dashboard").get_data(as_text=True)
    assert re.search(r'id="kpi-blocked">20\s*%', page)
    assert re.search(r'id="kpi-on-track">80\s*%', page)  # the blocked one is not on track


def test_the_queue_reads_in_a_fixed_number_of_queries(client, auth, make_action, coordinator):
    def queries() -> int:
        with count_queries() as statements:
            assert client.get("/review").status_code == 200
        return len(statements)

    reported(client, auth, make_action, "Première")
    auth.login(coordinator)
    few = queries()
    auth.logout()
    for n in range(5):
        reported(client, auth, make_action, f"Suivante {n}")
    auth.login(coordinator)
    assert queries() == few


def test_a_deadline_request_is_answered_from_the_queue(client, auth, make_action, coordinator):
    action = make_action(title="Installer le guichet de Sfax")
    new_deadline = action.deadline + timedelta(days=45)
    auth.login(action.owner)
    assert client.post(f"/actions/{action.id}/extension", data={
        "new_deadline": new_deadline.isoformat(),
        "reason": "Locaux livrés en retard."}).status_code == 302
    auth.logout()
    auth.login(coordinator)
    page = client.get("/review").get_data(as_text=True)
    section = page.split('id="extensions-heading"')[1]
    assert "Installer le guichet de Sfax" in section and "Locaux livrés en retard." in section
    request_id = int(re.search(r'/extensions/(\d+)/decision', section).group(1))

    refused = client.post(f"/extensions/{request_id}/decision", data={
        "decision": "refuse", "comment": "", "origin": "queue"})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert f'id="extension-{request_id}-decision-comment-errors"' in body
    assert "Say why the request is refused." in body
    accepted = client.post(f"/extensions/{request_id}/decision", data={
        "decision": "accept", "comment": "", "origin": "queue"})
    assert accepted.status_code == 302 and accepted.location.endswith("/review")
    db.session.refresh(action)
    assert action.deadline == new_deadline
