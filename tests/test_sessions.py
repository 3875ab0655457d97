"""Sessions end on the server: a session or remember-me cookie copied before logout, a
new password, a deactivation or a change of role opens nothing afterwards."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, Client, _test_config
from tracker import create_app
from tracker.config import from_environment
from tracker.extensions import db
from tracker.models import AuditEntry, Role, User

NEW_PASSWORD = "a brand new password"


def steal(client, *names: str) -> dict[str, str]:
    """Return the values of `client`'s cookies called `names`, as a thief copies them."""
    return {name: client.get_cookie(name).value for name in names}


def replay(app, cookies: dict[str, str]) -> Client:
    """Return a new client (another browser) holding only `cookies`."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def signed_in(client) -> bool:
    response = client.get("/my-actions")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def admin_edit(app, admin: User, user: User, **changes):
    values = {"email": user.email, "name": user.name, "role": user.role.value,
              "institution": user.institution_id or "", "locale": "", "active": "y",
              "password": ""}
    values.update(changes)
    values = {k: v for k, v in values.items() if v is not None}
    other = app.test_client()
    assert other.post("/login", data={"email": admin.email, "password": PASSWORD}
                      ).status_code == 302
    response = other.post(f"/admin/users/{user.id}/edit", data=values)
    assert response.status_code == 302, response.get_data(as_text=True)


def reset_by_email(client, user: User, password: str, runner, smtp) -> None:
    client.post("/password/forgot", data={"email": user.email})
    assert runner.invoke(args=["reminders", "deliver"]).exit_code == 0
    body = smtp.messages[-1].get_body(("plain",)).get_content()
    link = re.search(r"(/password/reset/\S+)", body).group(1)
    assert client.post(link, data={"password": password, "confirm": password}
                       ).status_code == 302


def logout(app, client, user, admin, runner, smtp):
    assert client.post("/logout").status_code == 302


def new_password_by_admin(app, client, user, admin, runner, smtp):
    admin_edit(app, admin, user, password=NEW_PASSWORD)


def deactivation_by_admin(app, client, user, admin, runner, smtp):
    admin_edit(app, admin, user, active=None)


def new_role_by_admin(app, client, user, admin, runner, smtp):
    admin_edit(app, admin, user, role="viewer")


def new_password_by_reset_link(app, client, user, admin, runner, smtp):
    reset_by_email(app.test_client(), user, NEW_PASSWORD, runner, smtp)


ENDINGS = [logout, new_password_by_admin, deactivation_by_admin, new_role_by_admin,
           new_password_by_reset_link]


@pytest.mark.parametrize("ending", ENDINGS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("cookie", ["session", "remember_token"])
def test_a_cookie_copied_before_the_session_ends_opens_nothing_after(
        app, client, auth, make_user, ending, cookie, runner, smtp):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.FOCAL_POINT)
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    stolen = steal(client, cookie)
    assert signed_in(replay(app, stolen))  # the copy is a working key

    ending(app, client, user, admin, runner, smtp)

    assert not signed_in(replay(app, stolen))
    assert not signed_in(client)


def test_logout_ends_the_sessions_of_every_device_and_is_audited(app, client, auth, make_user):
    user = make_user(Role.VIEWER)
    phone = app.test_client()
    phone.post("/login", data={"email": user.email, "password": PASSWORD})
    auth.login(user)
    assert signed_in(phone)

    auth.logout()

    assert not signed_in(phone)  # one generation per user: see docs/security.md
    verbs = db.session.scalars(select(AuditEntry.verb).where(
        AuditEntry.actor_id == user.id).order_by(AuditEntry.id)).all()
    assert verbs[-1] == "logout"
    assert auth.login(user).status_code == 302 and signed_in(client)


def test_logout_deletes_the_remember_me_cookie(client, make_user):
    user = make_user(Role.VIEWER)
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None

    response = client.post("/logout")

    deleted = [h for h in response.headers.getlist("Set-Cookie")
               if h.startswith("remember_token=")]
    assert deleted and "Expires=Thu, 01 Jan 1970" in deleted[0]
    assert client.get_cookie("remember_token") is None


def _cookie_attributes(header: str) -> dict[str, str]:
    _name_value, *parts = header.split("; ")
    return {k.lower(): v for k, _sep, v in (p.partition("=") for p in parts)}


@pytest.fixture
def https_app(database_url, tmp_path):
    """Return an app configured as behind HTTPS, with 7-day remember-me cookies."""
    config = _test_config(database_url, tmp_path)
    config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_DURATION=7 * 86400)
    https = create_app(config)
    https.test_client_class = Client
    yield https
    with https.app_context():  # its own connection pool: close it, not the test's
        db.engine.dispose()


def test_remember_me_cookie_is_secure_httponly_lax_and_lasts_the_configured_days(
        app, https_app, make_user):
    user = make_user(Role.VIEWER)
    browser = https_app.test_client()
    response = browser.post("/login", base_url="https://localhost", data={
        "email": user.email, "password": PASSWORD, "remember": "y"},
        headers={"Referer": "https://localhost/login"})  # CSRF over HTTPS checks it
    assert response.status_code == 302

    [header] = [h for h in response.headers.getlist("Set-Cookie")
                if h.startswith("remember_token=")]
    attributes = _cookie_attributes(header)
    assert "secure" in attributes and "httponly" in attributes
    assert attributes["samesite"] == "Lax"
    expires = parsedate_to_datetime(attributes["expires"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=7))) < timedelta(minutes=5)


def test_remember_me_lasts_30_days_unless_configured(app, client, make_user):
    response = client.post("/login", data={
        "email": make_user(Role.VIEWER).email, "password": PASSWORD, "remember": "y"})

    [header] = [h for h in response.headers.getlist("Set-Cookie")
                if h.startswith("remember_token=")]
    attributes = _cookie_attributes(header)
    assert "secure" not in attributes  # follows SESSION_COOKIE_SECURE, off in tests
    assert "httponly" in attributes and attributes["samesite"] == "Lax"
    expires = parsedate_to_datetime(attributes["expires"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)
    assert from_environment("/tmp", {"TRACKER_REMEMBER_DAYS": "7"})[
        "REMEMBER_COOKIE_DURATION"] == 7 * 86400
