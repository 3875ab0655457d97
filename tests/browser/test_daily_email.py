"""The daily email as a mail client shows it: its HTML part rendered in Chromium, in each
language; right to left in Arabic, with French titles isolated so their punctuation stays
at their end."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.helpers import deliver, plan
from tracker.extensions import db
from tracker.models import OutboxMessage, Role

# A Tuesday: the daily email proper; a Monday adds the weekly digest.
TUESDAY = date(2027, 3, 2)
MONDAY = date(2027, 3, 8)
TITLES = ("Publier l'annuaire statistique (ONM) : édition 2026.",
          "Former 40 agents aux procédures d'accueil !")

# Every text node holding `title`: where its first and last characters are drawn, and
# whether it is isolated (in a <bdi> or an element of dir=auto).
EDGES = """title => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const found = [];
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
        const start = text.data.indexOf(title);
        if (start >= 0) found.push([text, start]);
    }
    return found.map(([text, start]) => {
    const rect = (at) => {
        const range = document.createRange();
        range.setStart(text, at);
        range.setEnd(text, at + 1);
        return range.getBoundingClientRect();
    };
    return {first: rect(start).left, last: rect(start + title.length - 1).left,
            isolated: text.parentElement.closest("bdi, [dir=auto]") !== null};
    });
}"""


@pytest.mark.parametrize("day", [TUESDAY, MONDAY], ids=["tuesday", "monday"])
@pytest.mark.parametrize("language", ["fr", "en", "ar"])
def test_the_daily_email_reads_in_each_language(language, day, browser, runner, smtp,
                                                 make_user, make_action):
    owner = make_user(Role.FOCAL_POINT, locale=language, name="Leila Trabelsi",
                      email="leila@onm.example")
    make_action(owner=owner, title=TITLES[0], deadline=day - timedelta(days=8))
    make_action(owner=owner, title=TITLES[1], deadline=day + timedelta(days=7))
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    plan(runner, day)
    deliver(runner, day)
    [message] = smtp.messages
    page = browser.new_page(viewport={"width": 700, "height": 900})
    try:
        page.set_content(message.get_body(("html",)).get_content())
        expected = "rtl" if language == "ar" else "ltr"
        assert page.get_attribute("html", "dir") == expected
        assert page.get_attribute("html", "lang") == language
        assert page.evaluate("getComputedStyle(document.body).direction") == expected
        for title in TITLES:
            shown = page.evaluate(EDGES, title)
            # A French title reads left to right in any email: its final punctuation
            # is drawn after (right of) its first letter, not moved to the other end.
            assert shown and all(edges["isolated"] and edges["first"] < edges["last"]
                                 for edges in shown), (title, shown)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = f"daily-email-{day:%A}-{language}.png".lower()
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    finally:
        page.close()
