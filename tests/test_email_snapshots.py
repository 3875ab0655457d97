"""One email of each kind in each language, compared with the snapshots under
tests/__snapshots__/test_email_snapshots.ambr.

The test builds the same situation for a French, an English and an Arabic reader, on a
fixed clock and with fixed names, lets the domain operations and `flask reminders plan`
write the outbox, lets `flask reminders deliver` render and send it to a real SMTP server,
and compares the subject, text and HTML of each email received with its snapshot. Tokens
and database ids are masked, since they change from run to run.

When a change to the emails is intended, update the snapshots and review their diff:

    pytest tests/test_email_snapshots.py --snapshot-update
"""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
import time_machine
from sqlalchemy import select

from tests.helpers import deliver, each_email_at_once, plan
from tracker.actions.review import (
    decide_extension,
    request_extension,
    return_for_rework,
    validate,
)
from tracker.actions.services import Change, create_action, edit_action, record_update
from tracker.admin.services import create_user
from tracker.auth.reset import request_reset
from tracker.extensions import db
from tracker.models import OutboxMessage, Role, Status

SETUP_DAY = date(2027, 1, 4)  # a Monday
PLAN_DAY = date(2027, 3, 1)  # a Monday, eight weeks later: digests and summaries go out

MASKS = [
    # tokens of one-click, unsubscribe and password reset links
    (re.compile(r"/(email|unsubscribe|password/reset|invitation)/[A-Za-z0-9_.\-]+"),
     r"/\1/<token>"),
    # database ids, which depend on what ran before on the same database
    (re.compile(r"/(actions|events|recommendations)/\d+"), r"/\1/<id>"),
    (re.compile(r"([?&](?:amp;)?(?:event|action|recommendation)=)\d+"), r"\1<id>"),
]


@pytest.fixture(autouse=True)
def _each_email_at_once(app):
    each_email_at_once(app)


def masked(text: str) -> str:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def email_name(key: str) -> str:
    """Return what an outbox key says the email is: a notification's event or a kind."""
    prefix, _, rest = key.partition(":")
    return rest.partition(":")[0] if prefix == "note" else prefix


@pytest.fixture
def situation(make_institution, make_user, make_event, make_recommendation):
    """Return a function that builds, for readers of `locale`, what every email is about.

    `text` turns each name, title, comment and reason people type (the hostile test adds
    markup to each).
    """
    def build(locale: str, text=lambda value: value):
        onm = make_institution("ONM", text("Observatoire national de la migration"))
        owner = make_user(Role.FOCAL_POINT, institution=onm, locale=locale,
                          name=text("Leila Trabelsi"), email="leila@onm.example")
        coordinator = make_user(Role.COORDINATOR, locale=locale, name=text("Karim Ben Salah"),
                                email="karim@tracker.example")
        event = make_event(text("Atelier national de l'ONM"), date=date(2024, 5, 20))
        recommendation = make_recommendation(
            event=event, number="3", title=text("Renforcer le système d'information"))
        with time_machine.travel(datetime(2027, 1, 4, 9, 0), tick=False):
            def new_action(title: str, deadline: date, **values):
                return create_action(coordinator, recommendation, title=title, owner=owner,
                                     lead_institution=onm, deadline=deadline, **values)

            # assigned, changed, completion reported, returned, validated
            yearbook = new_action(text("Publier l'annuaire statistique"), date(2027, 6, 30))
            edit_action(coordinator, yearbook, yearbook.version,
                        {"deadline": date(2027, 7, 31)})
            record_update(owner, yearbook, yearbook.version, Change(
                status=Status.COMPLETED, progress=100,
                comment=text("Annuaire envoyé à l'imprimeur.")))
            return_for_rework(coordinator, yearbook, yearbook.version,
                              text("La version anglaise manque."))
            record_update(owner, yearbook, yearbook.version, Change(
                status=Status.COMPLETED, progress=100, comment=text("Version anglaise ajoutée.")))
            validate(coordinator, yearbook, yearbook.version, text("Merci."))
            # extension requested, accepted, then requested again and refused
            survey = new_action(text("Mener l'enquête nationale"), date(2027, 12, 31))
            accepted = request_extension(owner, survey, date(2028, 3, 31),
                                         text("Le terrain a pris du retard."), SETUP_DAY)
            decide_extension(coordinator, accepted, True, text("D'accord."))
            refused = request_extension(owner, survey, date(2028, 6, 30),
                                        text("Encore un trimestre."), SETUP_DAY)
            decide_extension(coordinator, refused, False,
                             text("Le calendrier ne le permet pas."))
            # due in 7 days, one day overdue, and 8 weeks of a 4-week cycle without news
            new_action(text("Former les agents"), date(2027, 3, 8))
            new_action(text("Créer un indicateur"), date(2027, 2, 28))
            new_action(text("Rendre compte chaque mois"), date(2027, 9, 30), report_every_weeks=4)
            request_reset(owner.email)
            # an account invited, in the same language
            create_user(None, email="sami@onm.example", name=text("Sami Gharbi"),
                        role=Role.VIEWER, locale=locale, invite=True)
            db.session.commit()
        # news in the week before the summary: the summary tells it, from and to
        with time_machine.travel(datetime(2027, 2, 25, 9, 0), tick=False):
            record_update(owner, survey, survey.version, Change(
                status=Status.IN_PROGRESS, progress=40,
                comment=text("Deux régions sur cinq sont enquêtées.")))
            db.session.commit()

    return build


@pytest.mark.parametrize("locale", ["fr", "en", "ar"])
def test_one_email_of_each_kind_reads_as_in_its_snapshot(
        runner, smtp, situation, snapshot, locale):
    situation(locale)
    plan(runner, PLAN_DAY)
    deliver(runner, PLAN_DAY)

    received = {message["Message-ID"]: message for message in smtp.messages}
    emails: dict[str, dict[str, str]] = {}
    for row in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
        message = received[row.message_id("tracker.test")]
        assert message["Content-Language"] == locale
        emails.setdefault(email_name(row.key), {
            "to": message["To"], "subject": masked(str(message["Subject"])),
            "text": masked(message.get_body(("plain",)).get_content()),
            "html": masked(message.get_body(("html",)).get_content())})
    assert sorted(emails) == sorted([
        "assigned", "changed", "completion_reported", "returned", "validated",
        "extension_requested", "extension_accepted", "extension_refused", "reset",
        "invitation", "deadline", "overdue", "news", "digest", "summary"])
    assert emails == snapshot


# What an attacker types in a title, a name or a comment (short enough for a name's 120
# characters): a link that imitates the tracker, a script and an image that calls out.
HOSTILE = ('<a href="https://evil.example/x">Confirmez</a><script>x()</script>'
           '<img src=//evil.example/p>')


@pytest.mark.parametrize("daily", [False, True], ids=["each email", "daily email"])
@pytest.mark.parametrize("locale", ["fr", "en", "ar"])
def test_hostile_text_in_every_field_reaches_no_email_as_markup(
        app, runner, smtp, situation, locale, daily):
    if daily:
        app.config.update(MAIL_DAILY_KINDS=(
            "deadline_approaching", "overdue", "awaiting_news", "notification",
            "weekly_digest", "coordinator_summary"))
    situation(locale, text=lambda value: f"{value} {HOSTILE}")
    plan(runner, PLAN_DAY)
    deliver(runner, PLAN_DAY)

    assert len(smtp.messages) >= (3 if daily else 14)
    for message in smtp.messages:
        html = message.get_body(("html",)).get_content()
        assert "\n" not in str(message["Subject"])
        # In the HTML part what was typed is text, escaped: never a tag, never a link.
        for tag in ("<a href=\"https://evil", "<script", "<img src=//evil"):
            assert tag not in html, (message["Subject"], tag)
        assert not [href for href in re.findall(r'href="([^"]*)"', html) if "evil" in href]
        assert "&lt;script&gt;" in html or "evil" not in html
    # Every email shows what was typed (a title, a name), as text.
    assert all("&lt;script&gt;" in m.get_body(("html",)).get_content() for m in smtp.messages)
