"""The held replies' page in a browser: readable on a phone in the three languages, with
nothing serious for axe, and usable without JavaScript."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, login
from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.models import HoldReason, InboundReply, ReplyStatus, Role

PHONE = 375


@pytest.fixture
def held(make_user, make_action):
    coordinator = make_user(Role.COORDINATOR, email="amel@onm.example", name="Amel")
    action = make_action(title="Publier l'annuaire statistique de la migration")
    reply = InboundReply(
        message_key="<r1@onm.example>", status=ReplyStatus.HELD,
        reason=HoldReason.OTHER_SENDER, from_address="assistante.direction@onm.example",
        subject="RE: Rappel : l'action « Publier l'annuaire statistique » arrive à échéance",
        body="Terminé, le rapport est joint.\nCordialement.", attachments="annuaire.pdf",
        proposed_status="completed", action_id=action.id)
    db.session.add(reply)
    db.session.commit()
    return coordinator, action, reply


@pytest.mark.parametrize("locale", ["fr", "en", "ar"])
def test_held_replies_read_on_a_phone_with_nothing_serious_for_axe(locale, new_page, held):
    coordinator, _action, reply = held
    coordinator.locale = locale
    db.session.commit()
    page = new_page(width=PHONE, locale=locale, bypass_csp=True)
    login(page, coordinator.email, PASSWORD)
    for path in ("/replies", f"/replies/{reply.id}"):
        assert page.goto(path).status == 200
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE, path
        assert axe_violations(page) == [], path


def test_a_coordinator_assigns_a_reply_without_javascript(browser, live_server, held):
    coordinator, action, reply = held
    context = browser.new_context(base_url=live_server, java_script_enabled=False,
                                  locale="en-GB")
    try:
        page = context.new_page()
        login(page, coordinator.email, PASSWORD)
        page.goto(f"/replies/{reply.id}")
        assert page.input_value("#action_id") == str(action.id)
        page.get_by_role("button", name="Record on this action").click()
        page.wait_for_load_state()
        assert "The reply was recorded on the action." in page.content()
        db.session.refresh(reply)
        assert reply.status == ReplyStatus.ASSIGNED
    finally:
        context.close()
