"""Sign-in throttling slows a guesser down from their address, but never keeps the owner
out: another address still signs in, and a new password lifts the block."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, Client, _test_config
from tracker import create_app
from tracker.extensions import db
from tracker.models import AuditEntry, Role

ADDRESS_A = "198.51.100.7"
ADDRESS_B = "203.0.113.9"
NEW_PASSWORD = "a fresh password 2026"


def browser(app, address: str) -> Client:
    """Return a client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def sign_in(client, email: str, password: str = PASSWORD, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def failures_logged() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.verb == "login_failed"))


def test_twenty_wrong_passwords_refuse_that_address_not_the_owner(app, make_user):
    admin = make_user(Role.ADMIN)
    attacker = browser(app, ADDRESS_A)

    statuses = [sign_in(attacker, admin.email, f"guess {n}").status_code for n in range(20)]

    assert statuses == [401] * 5 + [429] * 15
    refused = sign_in(attacker, admin.email)  # even the right password, from there
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Too many failed sign-ins for this account from your network" in page
    assert "Forgot your password?" in page
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert failures_logged() == 5  # refusals write nothing
    owner = browser(app, ADDRESS_B)
    assert sign_in(owner, admin.email).status_code == 302
    assert owner.get("/admin/users").status_code == 200


def test_a_new_password_from_a_reset_link_lifts_the_block_for_every_address(
        app, make_user, runner, smtp):
    admin = make_user(Role.ADMIN)
    attacker = browser(app, ADDRESS_A)
    for n in range(6):
        sign_in(attacker, admin.email, f"guess {n}")
    assert sign_in(attacker, admin.email).status_code == 429

    owner = browser(app, ADDRESS_A)  # the owner shares the guesser's address (an office NAT)
    owner.post("/password/forgot", data={"email": admin.email})
    assert runner.invoke(args=["reminders", "deliver"]).exit_code == 0
    body = smtp.messages[-1].get_body(("plain",)).get_content()
    link = re.search(r"(/password/reset/\S+)", body).group(1)
    assert owner.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
                      ).status_code == 302

    assert sign_in(owner, admin.email, NEW_PASSWORD).status_code == 302
    # The guesser starts again from zero, against a password they know nothing of.
    assert sign_in(attacker, admin.email, "guess 7").status_code == 401


def test_one_address_guessing_many_accounts_is_refused_for_all(app, make_user):
    victim = make_user(Role.COORDINATOR)
    sprayer = browser(app, ADDRESS_A)
    statuses = [sign_in(sprayer, f"person{n}@example.org", "Password1").status_code
                for n in range(21)]

    assert statuses == [401] * 20 + [429]
    refused = sign_in(sprayer, victim.email)
    assert refused.status_code == 429
    assert "Too many failed sign-ins from your network" in refused.get_data(as_text=True)
    assert sign_in(browser(app, ADDRESS_B), victim.email).status_code == 302


def test_unknown_and_known_accounts_are_throttled_alike(app, make_user):
    known = make_user(Role.VIEWER)
    answers = {}
    for email in (known.email, "nobody@example.org"):
        client = browser(app, ADDRESS_A if email == known.email else ADDRESS_B)
        answers[email] = [sign_in(client, email, "wrong!") for _ in range(6)]
    for responses in answers.values():
        assert [r.status_code for r in responses] == [401] * 5 + [429]
        assert "Wrong email or password." in responses[0].get_data(as_text=True)
        assert "for this account" in responses[-1].get_data(as_text=True)


def test_a_successful_sign_in_forgets_earlier_typos(app, make_user):
    user = make_user(Role.VIEWER)
    client = browser(app, ADDRESS_A)
    for _ in range(4):
        assert sign_in(client, user.email, "typo").status_code == 401
    assert sign_in(client, user.email).status_code == 302
    client.post("/logout")
    for _ in range(4):
        assert sign_in(client, user.email, "typo").status_code == 401
    assert sign_in(client, user.email).status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_count(app, make_user):
    user = make_user(Role.VIEWER)
    attacker = browser(app, ADDRESS_A)
    statuses = [sign_in(attacker, user.email, "guess",
                        headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code
                for n in range(6)]
    assert statuses == [401] * 5 + [429]


def test_ipv6_clients_are_counted_by_their_64_network(app, make_user):
    user = make_user(Role.VIEWER)
    for n in range(5):
        sign_in(browser(app, f"2001:db8:1:2::{n + 1}"), user.email, "guess")
    assert sign_in(browser(app, "2001:db8:1:2::ff"), user.email).status_code == 429
    assert sign_in(browser(app, "2001:db8:1:3::1"), user.email).status_code == 302


@pytest.fixture
def proxied_app(database_url, tmp_path):
    """Return an app behind one reverse proxy (TRACKER_PROXY_FIX)."""
    config = _test_config(database_url, tmp_path)
    config["PROXY_FIX"] = True
    proxied = create_app(config)
    proxied.test_client_class = Client
    yield proxied
    with proxied.app_context():  # its own connection pool: close it, not the test's
        db.engine.dispose()


def test_behind_the_proxy_each_client_address_is_counted_apart(app, proxied_app, make_user):
    user = make_user(Role.VIEWER)
    proxy = browser(proxied_app, "10.0.0.2")
    for _ in range(5):
        sign_in(proxy, user.email, "guess", headers={"X-Forwarded-For": ADDRESS_A})
    assert sign_in(proxy, user.email, headers={"X-Forwarded-For": ADDRESS_A}
                   ).status_code == 429
    assert sign_in(proxy, user.email, headers={"X-Forwarded-For": ADDRESS_B}
                   ).status_code == 302
