"""Signing in and out, and the protections around the session."""

from __future__ import annotations

import pytest
from flask_babel import gettext
from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.models import AuditEntry, Role, User


def test_login_with_valid_credentials_starts_a_session(client, auth, make_user):
    user = make_user(Role.COORDINATOR)
    response = auth.login(user.email.upper())  # emails are matched case-insensitively
    assert response.status_code == 302
    assert client.get("/actions").status_code == 200
    assert db.session.scalars(select(AuditEntry.verb).where(
        AuditEntry.actor_id == user.id)).all() == ["login"]


@pytest.mark.parametrize("email, password", [
    ("known", "wrong password"), ("nobody@example.org", PASSWORD)])
def test_wrong_email_or_password_get_the_same_message(client, make_user, email, password):
    user = make_user(Role.VIEWER)
    response = client.post("/login", data={
        "email": user.email if email == "known" else email, "password": password})
    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)
    assert client.get("/actions").status_code == 302


def test_login_form_with_missing_fields_is_a_422(client):
    response = client.post("/login", data={"email": "not-an-email", "password": ""})
    assert response.status_code == 422
    assert 'class="errors"' in response.get_data(as_text=True)


def test_deactivated_user_cannot_log_in(client, auth, make_user):
    user = make_user(Role.FOCAL_POINT)
    user.active = False
    db.session.commit()
    assert auth.login(user).status_code == 401


def test_session_is_renewed_at_login(client, auth, make_user):
    user = make_user(Role.VIEWER)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login(user)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}.{user.session_version}"


@pytest.mark.parametrize("target, expected", [
    ("/events", "/events"),
    ("//evil.example", "/my-actions"),
    ("/\\evil.example", "/my-actions"),
    ("https://evil.example/", "/my-actions"),
    ("javascript:alert(1)", "/my-actions"),
])
def test_next_after_login_only_goes_to_a_local_path(client, make_user, target, expected):
    user = make_user(Role.FOCAL_POINT)
    response = client.post("/login?next=" + target,
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    if expected == "/my-actions":
        location = client.get(location).headers.get("Location", location)
    assert location == expected


def test_session_cookie_is_httponly_and_samesite_lax(client, auth, make_user):
    response = auth.login(make_user(Role.VIEWER))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_post_without_csrf_token_is_refused(client, auth, make_user):
    user = make_user(Role.VIEWER)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD},
                           csrf=False)
    assert response.status_code == 400
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": "forged"}, csrf=False)
    assert response.status_code == 400
    assert client.get("/actions").status_code == 302


def test_logout_needs_a_post_and_ends_the_session(client, auth, make_user):
    auth.login(make_user(Role.VIEWER))
    assert client.get("/logout").status_code == 405
    assert client.get("/actions").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/actions").status_code == 302


def test_anonymous_visitor_is_sent_to_login_with_next(client):
    response = client.get("/events")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_security_headers_are_on_every_page(client):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("address", ["a@localhost", "first..last@example.org",
                                     "name@example", "a b@example.org", "x@[127.0.0.1]",
                                     "someone@mail.test"])
def test_create_user_refuses_an_address_the_login_form_refuses(client, runner, address):
    form = client.post("/login", data={"email": address, "password": PASSWORD})
    assert form.status_code == 422  # the login form's own refusal

    result = runner.invoke(args=["create-user", address, "--role", "viewer",
                                 "--password", PASSWORD])

    assert result.exit_code != 0
    assert gettext("This is not a valid email address: %(email)s", email=address
                   ) in result.output
    assert db.session.scalar(select(User).where(User.email == address.lower())) is None


def test_create_user_stores_the_address_as_the_login_form_reads_it(client, runner, auth):
    result = runner.invoke(args=["create-user", "Élodie.Ben@Exemple.TN", "--role", "viewer",
                                 "--password", PASSWORD])

    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.email)) == "élodie.ben@exemple.tn"
    assert auth.login("ÉLODIE.BEN@exemple.tn").status_code == 302
