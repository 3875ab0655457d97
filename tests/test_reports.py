"""The progress report of an event: on screen, in a constant number of queries, and as a PDF."""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from pypdf import PdfReader

from tests.conftest import count_queries
from tracker import clock
from tracker.actions.services import Change, record_update
from tracker.extensions import db
from tracker.models import Evidence, EvidenceKind, Role, Status


def page_text(response) -> str:
    """Return the page's visible text, tags removed and whitespace collapsed."""
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(text).split())


@pytest.fixture
def meeting(make_event, make_recommendation, make_action, make_user, make_institution):
    """An event with two recommendations, actions in several states, history and evidence."""
    event = make_event("Atelier sur la gouvernance de la migration de travail",
                       place="Tunis", organisers="ONM, OIT")
    first = make_recommendation(event=event, number="1",
                                title="Renforcer le système d'information sur la migration")
    second = make_recommendation(event=event, number="2", language="ar",
                                 title="تعزيز قدرات الصحفيين في مجال الهجرة")
    coordinator = make_user(Role.COORDINATOR, name="Leïla Coordinatrice")
    onm = make_institution("ONM", "Observatoire National de la Migration")
    owner = make_user(Role.FOCAL_POINT, institution=onm, name="Sami Ben Salah",
                      email="sami@example.org")
    today = date.today()
    done = make_action(owner=owner, recommendation=first, title="Publier la note trimestrielle")
    late = make_action(owner=owner, recommendation=first, title="Créer l'indicateur de retour",
                       deadline=today + timedelta(days=10))
    cancelled = make_action(owner=owner, recommendation=first, title="Action abandonnée")
    arabic = make_action(owner=owner, recommendation=second, title="دورة تدريبية للصحفيين")
    update = record_update(coordinator, done, None, Change(
        status=Status.COMPLETED, progress=100, comment="Note publiée"))
    db.session.add(Evidence(action_id=done.id, update_id=update.id, kind=EvidenceKind.LINK,
                            url="https://example.org/note"))
    db.session.add(Evidence(action_id=done.id, update_id=update.id, kind=EvidenceKind.LINK,
                            url="https://example.org/annexe"))
    record_update(coordinator, late, None, Change(status=Status.IN_PROGRESS, progress=40))
    late.deadline = today - timedelta(days=3)  # let it slip past its deadline
    record_update(coordinator, cancelled, None, Change(status=Status.CANCELLED, progress=0))
    db.session.commit()
    return {"event": event, "first": first, "second": second, "owner": owner,
            "coordinator": coordinator, "done": done, "late": late, "arabic": arabic}


def test_report_opens_with_a_summary_of_the_event(client, auth, make_user, meeting):
    auth.login(make_user(Role.VIEWER))
    response = client.get(f"/events/{meeting['event'].id}/report")
    assert response.status_code == 200
    text = page_text(response)
    summary = text[text.index("Summary"):text.index("Actions by status")]
    assert "Recommendations 2" in summary
    assert "Actions 4" in summary
    # One of the three actions not cancelled is completed.
    assert "Completed 33%" in summary and "1 of 3 actions" in summary
    assert "Overdue 1" in summary
    assert f"Situation on {format_date(clock.today(), 'd MMM y', locale='en')}" in text
    counts = text[text.index("Actions by status"):]
    assert ("Not started In progress Pending validation Completed Blocked Cancelled "
            "Cancellation proposed 1 1 0 1 0 1 0") in counts


def test_report_lists_each_recommendation_with_its_progress_and_actions(
        client, auth, make_user, meeting):
    auth.login(make_user(Role.FOCAL_POINT))
    text = page_text(client.get(f"/events/{meeting['event'].id}/report"))
    first = text.index("1. Renforcer le système d'information sur la migration")
    second = text.index("2. تعزيز قدرات الصحفيين في مجال الهجرة")
    assert first < second
    # The mean of 100 % and 40 %: the cancelled action does not count.
    assert "Progress: 70%" in text[first:second]
    row = text[text.index("Publier la note trimestrielle"):text.index("Action abandonnée")]
    assert "Sami Ben Salah" in row and "ONM" in row and "Completed" in row
    assert "100%" in row
    assert "Leïla Coordinatrice" in row  # the author of the last update
    assert row.rstrip().endswith(" 2")  # two pieces of evidence
    assert "Observatoire National de la Migration" in text  # the institutions' legend


def test_report_marks_overdue_actions(client, auth, make_user, meeting):
    auth.login(make_user(Role.VIEWER))
    page = client.get(f"/events/{meeting['event'].id}/report").get_data(as_text=True)
    overdue_rows = re.findall(r'<tr class="row-overdue">(.*?)</tr>', page, re.S)
    assert len(overdue_rows) == 1
    assert "Créer l&#39;indicateur de retour" in overdue_rows[0]


def test_report_links_its_print_stylesheet_and_no_inline_style(client, auth, make_user,
                                                               meeting):
    auth.login(make_user(Role.VIEWER))
    page = client.get(f"/events/{meeting['event'].id}/report").get_data(as_text=True)
    assert 'href="/static/report.css"' in page
    assert "style=" not in page and "<style" not in page and "<script" not in page
    css = client.get("/static/report.css").get_data(as_text=True)
    assert "size: A4" in css and "@media print" in css and "break-inside: avoid" in css


def test_event_page_links_to_the_report_and_its_pdf(client, auth, make_user, meeting):
    auth.login(make_user(Role.VIEWER))
    page = client.get(f"/events/{meeting['event'].id}").get_data(as_text=True)
    assert f'href="/events/{meeting["event"].id}/report"' in page
    assert f'href="/events/{meeting["event"].id}/report.pdf"' in page


def test_report_of_an_unknown_event_is_not_found(client, auth, make_user):
    auth.login(make_user(Role.VIEWER))
    assert client.get("/events/999999/report").status_code == 404
    assert client.get("/events/999999/report.pdf").status_code == 404


def test_report_needs_a_login(client, meeting):
    response = client.get(f"/events/{meeting['event'].id}/report.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_report_runs_the_same_number_of_queries_for_5_or_50_actions(
        client, auth, make_event, make_recommendation, make_action, make_user,
        make_institution):
    event = make_event()
    recommendations = [make_recommendation(event=event) for _ in range(3)]
    coordinator = make_user(Role.COORDINATOR)
    owners = [make_user(Role.FOCAL_POINT, institution=make_institution()) for _ in range(3)]

    def add(n: int) -> None:
        for i in range(n):
            action = make_action(owner=owners[i % 3], recommendation=recommendations[i % 3],
                                 title=f"Action {i}")
            update = record_update(coordinator, action, None, Change(
                status=Status.IN_PROGRESS, progress=10 + i % 80))
            db.session.add(Evidence(action_id=action.id, update_id=update.id,
                                    kind=EvidenceKind.LINK, url=f"https://example.org/{i}"))
        db.session.commit()

    url = f"/events/{event.id}/report"

    def queries() -> int:
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200
        return len(statements)

    auth.login(coordinator)
    add(5)
    few = queries()
    add(45)
    many = queries()
    # Today: the user, the event, its recommendations, its actions, their progress.
    assert few == many


def test_pdf_is_an_a4_download_with_the_recommendations(client, auth, make_user, meeting):
    auth.login(make_user(Role.VIEWER))
    response = client.get(f"/events/{meeting['event'].id}/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and ".pdf" in disposition
    data = response.get_data()
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Renforcer le système d'information sur la migration" in text
    assert "Publier la note trimestrielle" in text
    assert "تعزيز قدرات الصحفيين في مجال الهجرة" in text  # Arabic is shaped, not dropped
    assert "My actions" not in text  # the site navigation is not printed
