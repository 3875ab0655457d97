"""Walk every page an administrator can reach by following links, in the three languages:
nothing scrolls sideways at 375 px, axe finds nothing serious, and Arabic pages never name
a GCM objective by its English title."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from importlib import resources
from urllib.parse import urlsplit

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.browser.conftest import axe_violations, login, screenshot
from tests.conftest import PASSWORD
from tracker.actions.services import Change, record_update
from tracker.extensions import db
from tracker.models import GcmObjective, Role, Status

# Links that download a file, end the session or change state are not pages to walk.
SKIP = ("/logout", "export", ".pdf", ".csv", ".xlsx", ".ics", ".docx", "/evidence/", "/static/",
        "/api/", "calendar")
MAX_PAGES = 45
PHONE = 375


def english_gcm_names() -> set[str]:
    """Return the English titles and short names of the 23 objectives, as shown in lists."""
    text = resources.files("tracker.reference").joinpath("gcm_objectives.csv").read_text("utf-8")
    names = set()
    for row in csv.DictReader(text.splitlines()):
        names.add(row["title_en"])
        names.add(f'{row["number"]}. {row["short_en"]}')
    return names


@pytest.fixture
def site(make_user, make_institution, make_event, make_recommendation, make_action):
    """A small tracker with every kind of page filled: an event with public reporting, a
    recommendation tagged with GCM objectives, actions with French comments."""
    onm = make_institution("ONM", "Observatoire National de la Migration")
    admin = make_user(Role.ADMIN, name="Salma Admin", email="admin@onm.example")
    focal = make_user(Role.FOCAL_POINT, institution=onm, name="Leila Trabelsi")
    event = make_event(title="Atelier national pour le 10e anniversaire de l'ONM")
    event.is_public = True
    objectives = db.session.scalars(
        select(GcmObjective).where(GcmObjective.number.in_([1, 3, 17]))).all()
    recommendation = make_recommendation(
        event=event, title="Renforcer le système d'information sur la migration",
        gcm_objectives=list(objectives))
    action = make_action(owner=focal, recommendation=recommendation, lead_institution=onm,
                         title="Cartographier les sources de données migratoires",
                         deadline=date.today() + timedelta(days=5))
    make_action(owner=focal, recommendation=recommendation, lead_institution=onm,
                title="Former les statisticiens", deadline=date.today() - timedelta(days=3))
    record_update(focal, action, action.version, Change(
        status=Status.IN_PROGRESS, progress=40, comment="Cartographie terminée, rapport joint."))
    db.session.commit()
    return {"admin": admin, "action": action, "event": event}


def crawl(page, start: list[str], visit) -> list[str]:
    """Follow same-site links breadth first from `start`, one page per path, calling
    `visit(page, path)` on each; return the paths visited."""
    queue, seen = list(start), set()
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(path)
        assert response.status < 400, (path, response.status)
        visit(page, path)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            url = urlsplit(href)
            if url.netloc != urlsplit(page.url).netloc or any(s in url.path for s in SKIP):
                continue
            if url.path not in seen:
                queue.append(url.path)
    return sorted(seen)


@pytest.mark.parametrize("locale", ["fr", "en", "ar"])
def test_no_page_scrolls_sideways_on_a_phone(new_page, site, locale):
    page = new_page(width=PHONE, locale=locale)
    site["admin"].locale = locale
    db.session.commit()
    login(page, site["admin"].email, PASSWORD)
    wide, plain = [], []

    def visit(page, path):
        if page.evaluate("document.documentElement.scrollWidth") > PHONE:
            wide.append(path)
            screenshot(page, f"wide-{locale}-{path.strip('/').replace('/', '-')}")
        if page.locator("select[multiple]:not(.tomselected)").count():
            plain.append(path)  # a multiple select the page did not turn into a picker

    visited = crawl(page, ["/my-actions", f"/public/events/{site['event'].id}"], visit)
    assert len(visited) >= 20, visited
    assert wide == []
    assert plain == []


def test_arabic_pages_show_no_english_gcm_title_and_no_serious_axe_violation(new_page, site):
    page = new_page(locale="ar", bypass_csp=True)  # lets axe-core be injected
    site["admin"].locale = "ar"
    db.session.commit()
    login(page, site["admin"].email, PASSWORD)
    english = english_gcm_names()
    found, violations = {}, {}

    def visit(page, path):
        html = page.content()
        shown = {name for name in english if name in html}
        if shown:
            found[path] = shown
        serious = axe_violations(page)
        if serious:
            violations[path] = serious

    visited = crawl(page, ["/my-actions", f"/public/events/{site['event'].id}"], visit)
    assert f"/events/{site['event'].id}" in visited
    assert found == {}
    assert violations == {}


def test_french_comments_keep_their_full_stop_at_the_end_on_arabic_pages(new_page, site):
    page = new_page(locale="ar")
    site["admin"].locale = "ar"
    db.session.commit()
    login(page, site["admin"].email, PASSWORD)
    for path in (f"/actions/{site['action'].id}", f"/events/{site['event'].id}/report"):
        page.goto(path)
        comment = page.get_by_text("Cartographie terminée, rapport joint.").first
        # In a left-to-right run the full stop is drawn right of the first letter; a
        # comment not isolated from the right-to-left page puts it at the far left.
        first, stop = comment.evaluate("""node => {
            const text = node.firstChild, range = document.createRange();
            const box = i => { range.setStart(text, i); range.setEnd(text, i + 1);
                               return range.getBoundingClientRect().x; };
            return [box(0), box(text.length - 1)];
        }""")
        assert stop > first, path
        screenshot(page, "arabic-comment" + path.replace("/", "-"))


def test_the_arabic_pdf_keeps_comments_counter_and_percentages_in_order(client, auth, site):
    site["admin"].locale = "ar"
    db.session.commit()
    auth.login(site["admin"])
    response = client.get(f"/events/{site['event'].id}/report.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.get_data()))
    runs = []
    for pdf_page in reader.pages:
        pdf_page.extract_text(visitor_text=lambda text, *args: runs.append(text))
    text = " ".join("".join(runs).split())  # the narrow column wraps the comment
    assert "Cartographie terminée, rapport joint." in text
    assert "1/1" in text
    assert "40%" in text and "% 40" not in text


@pytest.mark.parametrize("locale", ["fr", "en", "ar"])
def test_pages_reached_from_emails_have_no_serious_axe_violation(new_page, site, locale):
    """One-click confirmations and their answers, unsubscribing, password reset and the
    email preferences: in the recipient's language, on a phone, nothing serious for axe
    and nothing scrolling sideways."""
    from tracker.auth.reset import issue_link
    from tracker.reminders.links import action_link, unsubscribe_link

    action = site["action"]
    focal = action.owner
    focal.locale = locale
    not_started = next(a for a in action.recommendation.actions if a.id != action.id)

    def path(url: str) -> str:
        return urlsplit(url).path

    start = path(action_link(focal.id, not_started.id, "start", version=not_started.version))
    pages = {  # path: the status it answers with
        start: 200,
        path(action_link(focal.id, action.id, "extend", version=action.version)): 200,
        path(action_link(focal.id, action.id, "complete", version=action.version - 1)): 409,
        "/email/not-a-token": 400,
        path(unsubscribe_link(focal.id, "overdue")): 200,
        path(issue_link(focal)): 200,
        "/password/reset/not-a-token": 410,
        "/password/forgot": 200,
    }
    db.session.commit()
    page = new_page(width=PHONE, locale=locale, bypass_csp=True)  # lets axe-core be injected
    problems = {}

    def check(name: str) -> None:
        assert page.locator("html").get_attribute("lang") == locale, name
        serious = axe_violations(page)
        if serious:
            problems[name] = serious
        if page.evaluate("document.documentElement.scrollWidth") > PHONE:
            problems[name] = "scrolls sideways"
            screenshot(page, f"wide-email-{locale}-{name.strip('/').replace('/', '-')[:40]}")

    for target, status in pages.items():
        response = page.goto(target)
        assert response.status == status, (target, response.status)
        check(target)
    # The answers to the confirmations: done, then the same link used again.
    page.goto(start)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("main h1").count() == 1
    check("start (done)")
    assert page.goto(start).status == 410
    check("start (used)")
    page.goto(path(unsubscribe_link(focal.id, "overdue")))
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    check("unsubscribed")
    page.context.clear_cookies()
    login(page, focal.email, PASSWORD)
    page.goto("/profile/notifications")
    check("/profile/notifications")
    assert problems == {}
