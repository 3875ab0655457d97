"""Replies by email: a focal point answers a reminder, and the answer reaches the action.

A reply is recorded in its sender's name only when it brings back the reference the
tracker signed and comes from the address the email went to; anything else waits for a
coordinator, who assigns it to an action or sets it aside.
"""

from __future__ import annotations

import imaplib
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests.helpers import deliver, each_email_at_once, page_text, plan
from tests.ports import reserved_port
from tracker.extensions import db
from tracker.models import (
    ActionUpdate,
    AuditEntry,
    Evidence,
    HoldReason,
    InboundReply,
    ReplyStatus,
    Role,
    Status,
    UpdateKind,
)
from tracker.replies.endpoint import controller
from tracker.replies.imap import login
from tracker.replies.parsing import own_words, proposed_status

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
DEADLINE = date(2026, 12, 20)


@pytest.fixture(autouse=True)
def _settings(app):
    each_email_at_once(app)
    app.config.update(MAIL_REPLY_ADDRESS="replies@tracker.test")


@pytest.fixture
def owner(make_user):
    return make_user(Role.FOCAL_POINT, name="Leila Trabelsi", email="leila@onm.example",
                     locale="fr")


@pytest.fixture
def reminded(runner, smtp, make_action, owner):
    """Return an action and the reminder about it its owner received."""
    action = make_action(owner=owner, title="Publier l'annuaire statistique",
                         deadline=DEADLINE)
    smtp.recorder.messages.clear()
    day = DEADLINE - timedelta(days=7)
    plan(runner, day)
    deliver(runner, day)
    reminders = [m for m in smtp.messages if m["To"] == "leila@onm.example"
                 and "annuaire" in str(m["Subject"])]
    assert len(reminders) == 1
    return action, reminders[0]


@pytest.fixture
def endpoint(app):
    """Start the tracker's own SMTP endpoint on a free port; return its port."""
    with reserved_port() as port:
        server = controller(app, "127.0.0.1", port)
        server.start()
        yield port
        server.stop()


def reply_to(original: EmailMessage, text: str, *, sender: str = "leila@onm.example",
             attachments: list[tuple[str, bytes, str]] = ()) -> EmailMessage:
    """Build the reply a mail client writes: to Reply-To, quoting the email, threaded."""
    reply = EmailMessage()
    reply["From"] = f"Leila Trabelsi <{sender}>"
    reply["To"] = original["Reply-To"] or original["From"]
    reply["Subject"] = f"RE: {original['Subject']}"
    reply["Message-ID"] = make_msgid(domain="onm.example")
    reply["In-Reply-To"] = original["Message-ID"]
    reply["References"] = f"{original['References']} {original['Message-ID']}"
    quoted = "\n".join(f"> {line}" for line in
                       original.get_body(("plain",)).get_content().splitlines())
    reply.set_content(f"{text}\n\n-- \nLeila Trabelsi\nObservatoire national de la migration\n\n"
                      f"Le jeu. 13 déc. 2026 à 07:00, Suivi <suivi@tracker.test> a écrit :\n"
                      f"{quoted}\n")
    for filename, data, mime in attachments:
        maintype, subtype = mime.split("/")
        reply.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return reply


def send(port: int, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.send_message(message, to_addrs=[str(message["To"])])


def news_rows(action) -> list[ActionUpdate]:
    db.session.expire_all()
    return list(db.session.scalars(select(ActionUpdate).where(
        ActionUpdate.action_id == action.id, ActionUpdate.kind != UpdateKind.CREATED)))


def evidence_count(action) -> int:
    return db.session.scalar(select(func.count()).select_from(Evidence)
                             .where(Evidence.action_id == action.id))


def test_reminders_carry_a_signed_reference_and_a_reply_address(reminded):
    _action, reminder = reminded
    reference = str(reminder["References"]).strip("<>").split("@")[0]
    assert str(reminder["Reply-To"]) == f"replies+{reference}@tracker.test"
    assert len(f"replies+{reference}") <= 64  # an address's local part


def test_a_reply_with_a_pdf_and_termine_is_recorded_once_awaiting_validation(
        reminded, endpoint, owner):
    action, reminder = reminded
    reply = reply_to(reminder, "Terminé, le rapport est joint.\nBonne journée",
                     attachments=[("annuaire-2026.pdf", PDF, "application/pdf")])
    send(endpoint, reply)
    send(endpoint, reply)  # delivered twice: the mail server retried

    rows = news_rows(action)
    assert len(rows) == 1
    entry = rows[0]
    assert entry.author_id == owner.id
    assert entry.comment == "Terminé, le rapport est joint.\nBonne journée"
    assert entry.new_status == Status.PENDING_VALIDATION and entry.new_progress == 100
    assert [e.filename for e in entry.evidence] == ["annuaire-2026.pdf"]
    assert evidence_count(action) == 1
    db.session.refresh(action)
    assert action.status == Status.PENDING_VALIDATION
    replies = db.session.scalars(select(InboundReply)).all()
    assert [(r.status, r.update_id) for r in replies] == [(ReplyStatus.RECORDED, entry.id)]


def test_a_reply_in_progress_with_a_percentage_sets_the_progress(reminded, endpoint):
    action, reminder = reminded
    send(endpoint, reply_to(reminder, "en cours 60 %: les données arrivent."))
    [entry] = news_rows(action)
    assert (entry.new_status, entry.new_progress) == (Status.IN_PROGRESS, 60)


@pytest.mark.parametrize("case", ["other sender", "forged reference", "refused file",
                                  "no reference"])
def test_doubtful_replies_change_nothing_and_wait_for_a_coordinator(
        case, reminded, endpoint, client, auth, make_user):
    action, reminder = reminded
    reply = reply_to(reminder, "terminé", attachments=[
        ("annuaire.pdf", PDF, "application/pdf")])
    expected = {"other sender": HoldReason.OTHER_SENDER,
                "forged reference": HoldReason.FORGED_REFERENCE,
                "refused file": HoldReason.REFUSED_FILE,
                "no reference": HoldReason.NO_REFERENCE}[case]
    if case == "other sender":
        reply.replace_header("From", "Quelqu'un <someone@elsewhere.example>")
    elif case == "forged reference":
        reference = str(reminder["References"]).strip("<>").split("@")[0]
        forged = reference[:-4] + ("0000" if not reference.endswith("0000") else "1111")
        for name in ("To", "References"):
            reply.replace_header(name, str(reply[name]).replace(reference, forged))
    elif case == "refused file":
        reply.add_attachment(b"MZ\x90\x00 a program", maintype="application",
                             subtype="octet-stream", filename="outil.exe")
    else:
        for name in ("References", "In-Reply-To"):
            del reply[name]
        reply.replace_header("To", "replies@tracker.test")
    send(endpoint, reply)
    send(endpoint, reply)

    assert news_rows(action) == []
    assert evidence_count(action) == 0
    db.session.refresh(action)
    assert action.status == Status.NOT_STARTED
    [held] = db.session.scalars(select(InboundReply)).all()
    assert (held.status, held.reason) == (ReplyStatus.HELD, expected)

    auth.login(make_user(Role.COORDINATOR, locale="fr"))
    page = page_text(client.get("/replies"))
    with force_locale("fr"):
        assert held.subject in page and str(expected.label) in page


@pytest.mark.parametrize("header", [("Auto-Submitted", "auto-replied"),
                                    ("X-Autoreply", "yes"), ("Precedence", "auto_reply")])
def test_automatic_replies_are_neither_recorded_nor_listed(header, reminded, endpoint, client,
                                                           auth, make_user):
    action, reminder = reminded
    reply = reply_to(reminder, "Terminé mes congés le 5 janvier. Absent du bureau.")
    reply[header[0]] = header[1]
    send(endpoint, reply)
    assert news_rows(action) == []
    [kept] = db.session.scalars(select(InboundReply)).all()
    assert (kept.status, kept.reason) == (ReplyStatus.IGNORED, HoldReason.AUTOMATIC)
    auth.login(make_user(Role.COORDINATOR))
    assert "No reply waiting." in page_text(client.get("/replies"))


@pytest.fixture
def held_reply(reminded, endpoint):
    """Return a reply held because a file of a refused type came with the PDF."""
    action, reminder = reminded
    reply = reply_to(reminder, "Terminé, voir le rapport.", attachments=[
        ("annuaire.pdf", PDF, "application/pdf"),
        ("outil.exe", b"MZ\x90\x00 a program", "application/octet-stream")])
    send(endpoint, reply)
    db.session.expire_all()
    held = db.session.scalars(select(InboundReply)).one()
    assert held.status == ReplyStatus.HELD
    return action, held


def test_a_coordinator_assigns_a_held_reply_in_their_own_name_naming_the_sender(
        held_reply, client, auth, make_user):
    action, held = held_reply
    coordinator = make_user(Role.COORDINATOR, name="Sami Coordinateur")
    auth.login(coordinator)
    page = page_text(client.get(f"/replies/{held.id}"))
    assert "outil.exe" in page and "annuaire.pdf" in page and "Completed" in page

    response = client.post(f"/replies/{held.id}/assign", data={"action_id": action.id},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "Not kept: outil.exe is not an accepted file" in page_text(response)
    [entry] = news_rows(action)
    assert entry.author_id == coordinator.id
    assert entry.comment.startswith("Reply by email from leila@onm.example:")
    assert "Terminé, voir le rapport." in entry.comment
    # The proposed completion is not taken on the coordinator's word.
    assert entry.new_status == Status.NOT_STARTED
    assert [e.filename for e in entry.evidence] == ["annuaire.pdf"]
    db.session.refresh(held)
    assert (held.status, held.handled_by_id, held.update_id, held.raw) == (
        ReplyStatus.ASSIGNED, coordinator.id, entry.id, None)
    audit = db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "inboundreply")).one()
    assert (audit.verb, audit.actor_id, audit.object_id) == ("assign", coordinator.id, held.id)
    assert "No reply waiting." in page_text(client.get("/replies"))

    again = client.post(f"/replies/{held.id}/assign", data={"action_id": action.id})
    assert again.status_code == 422
    assert len(news_rows(action)) == 1


def test_a_coordinator_sets_a_held_reply_aside(held_reply, client, auth, make_user):
    action, held = held_reply
    coordinator = make_user(Role.COORDINATOR)
    auth.login(coordinator)
    assert client.post(f"/replies/{held.id}/refuse", csrf=False).status_code == 400
    response = client.post(f"/replies/{held.id}/refuse")
    assert response.status_code == 302
    db.session.refresh(held)
    assert (held.status, held.handled_by_id) == (ReplyStatus.REFUSED, coordinator.id)
    assert news_rows(action) == []
    audit = db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "inboundreply")).one()
    assert (audit.verb, audit.actor_id) == ("refuse", coordinator.id)


@pytest.mark.parametrize("value", ["", "abc", "0", "-3", "99999999999", "999999"])
def test_assigning_to_no_action_is_refused_with_a_message(value, held_reply, client, auth,
                                                          make_user):
    action, held = held_reply
    auth.login(make_user(Role.COORDINATOR))
    response = client.post(f"/replies/{held.id}/assign", data={"action_id": value})
    assert response.status_code == 422
    assert 'class="errors" id="action_id-errors"' in response.get_data(as_text=True)
    db.session.refresh(held)
    assert held.status == ReplyStatus.HELD and news_rows(action) == []


def test_focal_points_cannot_see_held_replies(held_reply, client, auth, owner):
    _action, held = held_reply
    auth.login(owner)
    assert client.get("/replies").status_code == 403
    assert client.post(f"/replies/{held.id}/assign", data={"action_id": 1}).status_code == 403


def test_the_held_list_runs_a_constant_number_of_queries(held_reply, client, auth, make_user):
    from tests.conftest import count_queries

    auth.login(make_user(Role.COORDINATOR))
    client.get("/replies")
    with count_queries() as one:
        client.get("/replies")
    held = held_reply[1]
    for n in range(5):
        db.session.add(InboundReply(message_key=f"<{n}@x>", status=ReplyStatus.HELD,
                                    reason=HoldReason.NO_REFERENCE, subject=f"s{n}",
                                    action_id=held.action_id))
    db.session.commit()
    with count_queries() as six:
        client.get("/replies")
    assert len(six) == len(one)


@pytest.mark.parametrize(("text", "expected"), [
    ("Terminé, le rapport est joint.", (Status.COMPLETED, None)),
    ("terminée", (Status.COMPLETED, None)),
    ("Done - report attached", (Status.COMPLETED, None)),
    ("منجز", (Status.COMPLETED, None)),
    ("en cours 60 %", (Status.IN_PROGRESS, 60)),
    ("En cours : 45%", (Status.IN_PROGRESS, 45)),
    ("in progress 60%", (Status.IN_PROGRESS, 60)),
    ("قيد الإنجاز ٦٠٪", (Status.IN_PROGRESS, 60)),
    ("bloqué en attente des données", (Status.BLOCKED, None)),
    ("Blocked: waiting for the ministry", (Status.BLOCKED, None)),
    ("\n\nIn progress\n", (Status.IN_PROGRESS, None)),
    ("Le rapport n'est pas terminé", (None, None)),
    ("Donezo", (None, None)),
    ("en cours 250 %", (Status.IN_PROGRESS, None)),
])
def test_the_first_line_proposes_a_status(text, expected):
    assert proposed_status(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Done.\n\nOn Thu, Dec 3, 2026 at 8:00 AM Suivi <suivi@tracker.test> wrote:\n> Hello\n",
     "Done."),
    ("Terminé.\n\nLe jeu. 3 déc. 2026 à 08:00, Suivi <suivi@tracker.test> a écrit :\n> Bonjour\n",
     "Terminé."),
    ("en cours 60 %\n\nDe : Suivi <suivi@tracker.test>\nEnvoyé : jeudi 3 décembre 2026\n"
     "À : Leila\nObjet : Rappel\n\nBonjour", "en cours 60 %"),
    ("Done\n\nFrom: Suivi <suivi@tracker.test>\nSent: Thursday\nTo: Leila\nSubject: x\n\nHi",
     "Done"),
    ("منجز\n\nفي الخميس 3 ديسمبر 2026 كتب Suivi <suivi@tracker.test>:\n> نص", "منجز"),
    ("Fait.\n-- \nLeila Trabelsi\nONM", "Fait."),
    ("Fait.\n> quoted line\n> another", "Fait."),
    ("Line one\nLine two", "Line one\nLine two"),
])
def test_quoted_text_and_signatures_are_stripped(text, expected):
    assert own_words(text) == expected


def test_a_message_without_message_id_is_processed_once_by_its_content(reminded, endpoint):
    action, reminder = reminded
    reply = reply_to(reminder, "en cours 30 %")
    del reply["Message-ID"]
    send(endpoint, reply)
    send(endpoint, reply)
    assert len(news_rows(action)) == 1
    assert db.session.scalar(select(func.count()).select_from(InboundReply)) == 1


def test_a_reply_to_a_daily_email_about_one_action_is_recorded(
        runner, smtp, make_action, owner, endpoint, app):
    app.config.update(MAIL_DAILY_KINDS=("deadline_approaching",))
    action = make_action(owner=owner, title="Publier l'annuaire statistique",
                         deadline=DEADLINE)
    smtp.recorder.messages.clear()
    day = DEADLINE - timedelta(days=7)
    plan(runner, day)
    deliver(runner, day)
    [daily] = [m for m in smtp.messages if m["To"] == "leila@onm.example"]
    send(endpoint, reply_to(daily, "done"))
    [entry] = news_rows(action)
    assert entry.new_status == Status.PENDING_VALIDATION


def test_the_endpoint_answers_a_temporary_failure_when_processing_fails(
        reminded, endpoint, monkeypatch):
    from tracker.replies import endpoint as endpoint_module

    def broken(raw):
        raise RuntimeError("database away")

    monkeypatch.setattr(endpoint_module, "process_message", broken)
    action, reminder = reminded
    with pytest.raises(smtplib.SMTPDataError) as refusal:
        send(endpoint, reply_to(reminder, "terminé"))
    assert refusal.value.smtp_code == 451
    assert news_rows(action) == []


# --- The mailbox, read over IMAP from a real Dovecot ------------------------------------

@pytest.fixture
def mailbox(app):
    """Start a throwaway Dovecot and point the app's MAIL_IMAP_* settings at it."""
    from tests.dovecot import PASSWORD, USER, DovecotServer

    with reserved_port() as port:
        server = DovecotServer(port)
        try:
            server.start()
            app.config.update(MAIL_IMAP_HOST="127.0.0.1", MAIL_IMAP_PORT=port,
                              MAIL_IMAP_USER=USER, MAIL_IMAP_PASSWORD=PASSWORD,
                              MAIL_IMAP_FOLDER="INBOX", MAIL_IMAP_SSL=False)
            with imaplib.IMAP4("127.0.0.1", port, timeout=30) as client:
                login(client, USER, PASSWORD)  # the password is not ASCII
                yield client
        finally:
            server.stop()


def append(mailbox, message: EmailMessage) -> None:
    status, _data = mailbox.append("INBOX", None, None, message.as_bytes())
    assert status == "OK"


def unseen(mailbox) -> list[bytes]:
    mailbox.select("INBOX")
    _status, found = mailbox.uid("search", None, "UNSEEN")
    return found[0].split()


def fetch(runner):
    result = runner.invoke(args=["replies", "fetch"])
    assert result.exit_code == 0, result.output
    return result.output


def test_replies_read_from_the_mailbox_twice_are_recorded_once(reminded, mailbox, runner,
                                                                owner):
    action, reminder = reminded
    append(mailbox, reply_to(reminder, "terminé\nLe rapport est joint.", attachments=[
        ("annuaire-2026.pdf", PDF, "application/pdf")]))
    append(mailbox, reply_to(reminder, "terminé", sender="someone@elsewhere.example"))
    assert len(unseen(mailbox)) == 2

    assert "1 recorded, 1 held for a coordinator, 0 already processed" in fetch(runner)
    assert "0 recorded, 0 held for a coordinator, 0 already processed" in fetch(runner)

    [entry] = news_rows(action)
    assert (entry.author_id, entry.new_status) == (owner.id, Status.PENDING_VALIDATION)
    assert entry.comment == "terminé\nLe rapport est joint."
    assert [e.filename for e in entry.evidence] == ["annuaire-2026.pdf"]
    assert evidence_count(action) == 1
    held = db.session.scalars(select(InboundReply).where(
        InboundReply.status == ReplyStatus.HELD)).one()
    assert held.reason == HoldReason.OTHER_SENDER
    assert unseen(mailbox) == []


def test_a_reader_that_dies_before_marking_a_message_read_does_not_record_it_twice(
        reminded, mailbox, runner, monkeypatch):
    action, reminder = reminded
    append(mailbox, reply_to(reminder, "en cours 40 %"))
    real_uid = imaplib.IMAP4.uid

    def dies_when_marking(self, command, *args):
        if command == "store":
            raise OSError("the connection dropped")
        return real_uid(self, command, *args)

    monkeypatch.setattr(imaplib.IMAP4, "uid", dies_when_marking)
    assert runner.invoke(args=["replies", "fetch"]).exit_code != 0
    monkeypatch.setattr(imaplib.IMAP4, "uid", real_uid)
    assert len(unseen(mailbox)) == 1  # processed, committed, but not marked read

    assert "0 recorded, 0 held for a coordinator, 1 already processed" in fetch(runner)
    [entry] = news_rows(action)
    assert (entry.new_status, entry.new_progress) == (Status.IN_PROGRESS, 40)
    assert unseen(mailbox) == []


def test_the_scheduler_reads_the_mailbox(reminded, mailbox, app):
    from tracker.reminders.scheduler import JOBS

    action, reminder = reminded
    append(mailbox, reply_to(reminder, "done"))
    setting, job = JOBS["replies"]
    assert app.config[setting] == "*/5 * * * *"
    report = job()
    assert report.recorded == 1
    assert news_rows(action)[0].new_status == Status.PENDING_VALIDATION


def test_fetch_without_a_mailbox_says_so(runner):
    result = runner.invoke(args=["replies", "fetch"])
    assert result.exit_code != 0 and "MAIL_IMAP_HOST is not set" in result.output


def test_the_serve_command_receives_replies_until_stopped(reminded, app, owner):
    """`flask replies serve` as deployed: its own process, on the app's database."""
    action, reminder = reminded
    env = {**os.environ, "TRACKER_ENV": "testing", "SECRET_KEY": app.config["SECRET_KEY"],
           "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
           "TRACKER_UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"]}
    with reserved_port() as port:
        server = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "replies", "serve",
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            send(port, reply_to(reminder, "Terminé.", attachments=[
                ("annuaire.pdf", PDF, "application/pdf")]))
        finally:
            server.send_signal(signal.SIGTERM)
            output, errors = server.communicate(timeout=30)
    assert server.returncode == 0, errors
    assert f"Receiving replies by SMTP on 127.0.0.1:{port}" in output
    [entry] = news_rows(action)
    assert (entry.author_id, entry.new_status) == (owner.id, Status.PENDING_VALIDATION)
    assert [e.filename for e in entry.evidence] == ["annuaire.pdf"]


def test_control_characters_of_a_received_email_are_left_out_not_refused(
        endpoint, client, auth, make_user):
    raw = ("From: Leila <leila@onm.example>\r\nTo: replies@tracker.test\r\n"
           "Subject: Re: rapport\x00 <b>joint</b>\x07\r\n"
           f"Message-ID: {make_msgid(domain='onm.example')}\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n"
           "Voici\x00 le rapport <script>alert(1)</script>\x1b, ٦٠ %.\r\n").encode()
    with smtplib.SMTP("127.0.0.1", endpoint, timeout=30) as smtp_client:
        smtp_client.sendmail("leila@onm.example", ["replies@tracker.test"], raw)
    held = db.session.scalars(select(InboundReply)).one()
    assert held.subject == "Re: rapport <b>joint</b>"
    assert held.body.startswith("Voici le rapport <script>alert(1)</script>, ٦٠ %.")
    auth.login(make_user(Role.COORDINATOR))
    page = client.get(f"/replies/{held.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
