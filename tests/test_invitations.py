"""Account invitations: a new account receives, at once and in its language, an email with
a link to choose its password; the link works once and expires."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from tests.helpers import at, deliver, page_text
from tracker.extensions import db
from tracker.models import AuditEntry, InvitationLink, MessageKind, OutboxMessage, Role, User

DAY = date(2027, 3, 2)  # a Tuesday
NEW_PASSWORD = "a long enough password"


def invitation_path(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"https?://[^/\s]+(/invitation/\S+)", body).group(1)


def invite_from_the_admin_page(client, auth, make_user, **values) -> None:
    admin = make_user(Role.ADMIN, locale="en")
    with at(DAY, tick=False):  # written at 07:00 sharp, when `deliver` runs
        auth.login(admin)
        response = client.post("/admin/users/new", data={
            "email": "leila@onm.example", "name": "Leila Trabelsi", "role": "coordinator",
            "institution": "", "password": "", **values})
        assert response.status_code == 302, page_text(response)[:2000]
        assert response.headers["Location"] == "/admin/users"
        auth.logout()


def test_an_account_made_without_a_password_receives_an_invitation_in_its_language(
        runner, smtp, client, auth, make_user):
    invite_from_the_admin_page(client, auth, make_user, locale="ar")
    user = db.session.scalar(select(User).where(User.email == "leila@onm.example"))
    assert not user.check_password("")  # no password until the link sets one
    deliver(runner, DAY)  # a working day or not, an invitation goes at once and alone
    [message] = smtp.messages
    assert message["To"] == "leila@onm.example" and message["Content-Language"] == "ar"
    path = invitation_path(message)
    token = path.rsplit("/", 1)[1]
    # Only the token's digest is kept.
    [link] = db.session.scalars(select(InvitationLink)).all()
    assert link.user_id == user.id and token not in link.digest
    assert db.session.scalar(select(OutboxMessage.body_text)).count(token) == 0

    with at(DAY + timedelta(days=1)):
        form = client.get(path)
        assert form.status_code == 200 and '<html lang="ar" dir="rtl">' in page_text(form)
        short = client.post(path, data={"password": "short", "confirm": "short"})
        assert short.status_code == 422
        chosen = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert chosen.status_code == 302 and chosen.headers["Location"] == "/login"
        assert auth.login("leila@onm.example", NEW_PASSWORD).status_code == 302
        auth.logout()
        # Used once: the link now says so, in the invited person's language, and sets nothing.
        again = client.post(path, data={"password": "another password 123",
                                         "confirm": "another password 123"})
    assert again.status_code == 410
    assert '<html lang="ar" dir="rtl">' in page_text(again)
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)
    verbs = set(db.session.scalars(select(AuditEntry.verb).where(
        AuditEntry.object_type == "user", AuditEntry.object_id == user.id)))
    assert {"create", "invited", "invitation_accepted"} <= verbs


def test_an_invitation_link_expires_after_the_configured_days(
        app, runner, smtp, client, auth, make_user):
    app.config["INVITATION_MAX_AGE_DAYS"] = 3
    invite_from_the_admin_page(client, auth, make_user, locale="en")
    deliver(runner, DAY)
    path = invitation_path(smtp.messages[0])
    assert "within 3 days" in smtp.messages[0].get_body(("plain",)).get_content()
    with at(DAY + timedelta(days=4)):
        expired = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        unknown = client.get(path[:-4] + "abcd")
    assert expired.status_code == 410 and "has expired" in page_text(expired)
    assert unknown.status_code == 410 and "not valid" in page_text(unknown)
    user = db.session.scalar(select(User).where(User.email == "leila@onm.example"))
    assert not user.check_password(NEW_PASSWORD)


def test_create_user_on_the_command_line_invites_too(runner, smtp, client):
    result = runner.invoke(args=["create-user", "sami@ins.example", "--role", "viewer",
                                 "--locale", "en", "--name", "Sami Gharbi"])
    assert result.exit_code == 0, result.output
    row = db.session.scalar(select(OutboxMessage))
    assert row.template == "invitation" and row.kind == MessageKind.NOTIFICATION
    deliver(runner, DAY)
    [message] = smtp.messages
    assert message["Subject"] == "Your account on the recommendation tracker"
    with at(DAY):
        path = invitation_path(message)
        assert client.post(path, data={"password": NEW_PASSWORD,
                                       "confirm": NEW_PASSWORD}).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "sami@ins.example"))
    assert user.check_password(NEW_PASSWORD)
