"""The meeting report (several events or GCM objectives, with what changed since a date)
and the GCM review report: on screen, as PDF, as Word documents in three languages, and
the GCM rows as CSV."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from babel.dates import format_date
from docx import Document
from docx.oxml.ns import qn
from flask_babel import force_locale
from flask_babel import gettext as _
from pypdf import PdfReader
from sqlalchemy import update

from tests.conftest import count_queries
from tracker.actions.services import Change, record_update
from tracker.extensions import db
from tracker.indicators.services import add_indicator
from tracker.models import ActionUpdate, Evidence, EvidenceKind, GcmObjective, Role, Status
from tracker.templating import medium_date, percent

LANGUAGES = ("fr", "en", "ar")
SINCE = date.today() - timedelta(days=7)


def words(text: str) -> str:
    """Return `text` with every run of whitespace (narrow spaces included) as one space."""
    return " ".join(text.split())


def page_text(response) -> str:
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return words(html.unescape(text))


def pdf_reader(response) -> PdfReader:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(response.get_data()))


def pdf_text(reader: PdfReader) -> str:
    return words(" ".join(page.extract_text() for page in reader.pages))


def pdf_headings(reader: PdfReader) -> list[str]:
    """Return the titles of the PDF's bookmarks (its headings), in reading order.

    Bookmarks hold text in logical order, where extracted Arabic page text comes out in
    visual order (dates and numbers moved around it)."""
    def walk(items):
        for item in items:
            if isinstance(item, list):
                yield from walk(item)
            else:
                yield words(item.title)
    return list(walk(reader.outline))


def docx_document(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == ("application/vnd.openxmlformats-officedocument"
                                 ".wordprocessingml.document")
    assert "attachment;" in response.headers["Content-Disposition"]
    return Document(io.BytesIO(response.get_data()))


def docx_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return words(" ".join(parts))


def in_language(app, language: str, make):
    """Return what `make()` gives in `language` (the catalog's wording, whatever it is)."""
    with app.test_request_context(), force_locale(language):
        return words(make())


def objective(number: int) -> GcmObjective:
    return db.session.get(GcmObjective, number)


@pytest.fixture
def follow_up(make_event, make_recommendation, make_action, make_user, make_institution):
    """Two events; recommendations under GCM objectives 3 and 16; news before and since
    the last meeting (a week ago)."""
    labour = make_event("Atelier sur la migration de travail", date=date(2025, 3, 10))
    media = make_event("Atelier médias et migration", date=date(2025, 6, 2))
    information = make_recommendation(event=labour, number="1",
                                      title="Informer les candidats au départ",
                                      gcm_objectives=[objective(3)])
    inclusion = make_recommendation(event=labour, number="2",
                                    title="Faciliter l'inclusion sociale",
                                    gcm_objectives=[objective(16)])
    journalists = make_recommendation(event=media, number="1",
                                      title="Former les journalistes",
                                      gcm_objectives=[objective(3), objective(16)])
    coordinator = make_user(Role.COORDINATOR, name="Leïla Coordinatrice")
    onm = make_institution("ONM", "Observatoire National de la Migration")
    ote = make_institution("OTE", "Office des Tunisiens à l'Étranger")
    owner = make_user(Role.FOCAL_POINT, institution=onm, name="Sami Ben Salah",
                      email="sami@example.org")
    guide = make_action(owner=owner, recommendation=information,
                        title="Publier le guide du départ")
    decree = make_action(owner=owner, recommendation=inclusion, lead_institution=ote,
                         title="Adopter le décret d'inclusion")
    training = make_action(owner=owner, recommendation=journalists,
                           title="Organiser la formation des journalistes")
    record_update(coordinator, guide, None, Change(
        status=Status.IN_PROGRESS, progress=20, comment="Premier rapport du guide"))
    record_update(coordinator, training, None, Change(
        status=Status.IN_PROGRESS, progress=50, comment="Formation préparée"))
    db.session.commit()
    # Everything so far happened before the last meeting.
    month_ago = datetime.now(UTC) - timedelta(days=30)
    db.session.execute(update(ActionUpdate).values(created_at=month_ago))
    db.session.commit()
    news = record_update(coordinator, guide, None, Change(
        status=Status.IN_PROGRESS, progress=60, comment="Guide imprimé à 5000 exemplaires"))
    db.session.add(Evidence(action_id=guide.id, update_id=news.id, kind=EvidenceKind.LINK,
                            url="https://example.org/guide"))
    record_update(coordinator, decree, None, Change(
        status=Status.BLOCKED, progress=0, comment="En attente de l'avis du ministère"))
    db.session.commit()
    return {"labour": labour, "media": media, "guide": guide, "decree": decree,
            "training": training, "information": information, "journalists": journalists,
            "coordinator": coordinator}


def meeting_url(follow_up, fmt: str = "", **args) -> str:
    query = {"event": [follow_up["labour"].id, follow_up["media"].id],
             "since": SINCE.isoformat(), **args}
    parts = [f"{k}={v}" for k, values in query.items() if values is not None
             for v in (values if isinstance(values, list) else [values])]
    return f"/reports/meeting{'.' + fmt if fmt else ''}?" + "&".join(parts)


def test_meeting_report_covers_several_events_with_latest_comment_blocker_and_evidence(
        client, auth, make_user, follow_up):
    auth.login(make_user(Role.VIEWER))
    text = page_text(client.get(meeting_url(follow_up, since=None)))
    labour = text.index("Atelier sur la migration de travail")
    media = text.index("Atelier médias et migration", labour)
    assert "Recommendations 3" in text and "Actions 3" in text
    body = text[text.index("1. Informer les candidats au départ"):]
    guide = body[body.index("Publier le guide du départ"):body.index("2. Faciliter")]
    assert "In progress" in guide and "60%" in guide
    assert "Latest comment" in guide and "Guide imprimé à 5000 exemplaires" in guide
    assert guide.rstrip().endswith(" 1")  # one piece of evidence
    decree = body[body.index("Adopter le décret d'inclusion"):]
    assert "Blocked: En attente de l'avis du ministère" in decree
    assert labour < media


def test_meeting_report_says_what_changed_since_the_chosen_date(
        client, auth, make_user, follow_up):
    auth.login(make_user(Role.VIEWER))
    text = page_text(client.get(meeting_url(follow_up)))
    since = text[text.index(f"Since {medium_date_en(SINCE)}"):
                 text.index("Atelier sur la migration de travail", text.index("Since"))]
    guide = since[since.index("Publier le guide du départ"):
                  since.index("Adopter le décret d'inclusion")]
    assert "20% → 60%" in guide
    assert "Guide imprimé à 5000 exemplaires" in guide
    assert "Premier rapport du guide" not in guide  # written before the date
    assert "Leïla Coordinatrice" in guide and guide.rstrip().endswith(" 1")
    assert "Not started → Blocked" in since[since.index("Adopter le décret"):]
    # Nothing happened to the training since the date: it is not listed.
    assert "Organiser la formation des journalistes" not in since


def medium_date_en(day: date) -> str:
    return format_date(day, "d MMM y", locale="en")


def test_meeting_report_without_a_date_has_no_since_section(client, auth, make_user,
                                                            follow_up):
    auth.login(make_user(Role.VIEWER))
    url = f"/reports/meeting?event={follow_up['labour'].id}"
    text = page_text(client.get(url))
    assert "Since " not in text
    assert "Publier le guide du départ" in text
    assert "Organiser la formation des journalistes" not in text  # the other event's


def test_meeting_report_by_gcm_objective_covers_every_event(client, auth, make_user,
                                                            follow_up):
    auth.login(make_user(Role.VIEWER))
    text = page_text(client.get("/reports/meeting?gcm=3"))
    assert "Publier le guide du départ" in text
    assert "Organiser la formation des journalistes" in text  # another event, objective 3
    assert "Adopter le décret d'inclusion" not in text  # objective 16 only
    assert "3. Information provision" in text
    # Events and objectives together: those events' recommendations under them.
    text = page_text(client.get(f"/reports/meeting?gcm=3&event={follow_up['media'].id}"))
    assert "Organiser la formation des journalistes" in text
    assert "Publier le guide du départ" not in text


def test_meeting_report_asks_for_a_scope_and_ignores_values_that_do_not_parse(
        client, auth, make_user, follow_up):
    auth.login(make_user(Role.VIEWER))
    page = client.get("/reports/meeting?event=abc&gcm=99&since=not-a-date")
    assert page.status_code == 200
    assert "Choose what the report covers" in page_text(page)
    for since in ("0001-01-01", "9999-12-31", "2026-02-30", "٢٠٢٦-٠١-٠١"):
        page = client.get(meeting_url(follow_up, since=since))
        assert page.status_code == 200
        assert ("Since " in page_text(page)) == (since == "9999-12-31")
    for fmt in ("pdf", "docx"):
        response = client.get(f"/reports/meeting.{fmt}")
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/reports/meeting")
    assert client.get(meeting_url(follow_up, "xlsx")).status_code == 404


def test_meeting_report_escapes_what_people_wrote(client, auth, make_user, follow_up):
    record_update(follow_up["coordinator"], follow_up["training"], None, Change(
        status=Status.IN_PROGRESS, progress=55, comment="<script>alert(1)</script> & co"))
    db.session.commit()
    auth.login(make_user(Role.VIEWER))
    page = client.get(meeting_url(follow_up)).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    document = docx_document(client.get(meeting_url(follow_up, "docx")))
    assert "<script>alert(1)</script> & co" in docx_text(document)  # plain text, as written


@pytest.mark.parametrize("language", LANGUAGES)
def test_meeting_report_as_pdf_in_each_language(app, client, auth, make_user, follow_up,
                                                language):
    auth.login(make_user(Role.VIEWER))
    reader = pdf_reader(client.get(meeting_url(follow_up, "pdf", lang=language)))
    text = pdf_text(reader)
    assert "Guide imprimé à 5000 exemplaires" in text  # the latest comment
    assert "En attente de l'avis du ministère" in text  # the blocker
    assert "Premier rapport du guide" not in text  # neither the latest nor since the date
    heading = in_language(app, language, lambda: _("Since %(date)s",
                                                       date=medium_date(SINCE)))
    headings = pdf_headings(reader)
    assert heading in headings
    assert headings.index(heading) < headings.index("Atelier sur la migration de travail")
    assert ("←" if language == "ar" else "→") in text  # progress from 20 to 60 %


@pytest.mark.parametrize("language", LANGUAGES)
def test_meeting_report_as_word_in_each_language(app, client, auth, make_user, follow_up,
                                                 language):
    auth.login(make_user(Role.VIEWER))
    document = docx_document(client.get(meeting_url(follow_up, "docx", lang=language)))
    text = docx_text(document)
    assert "Guide imprimé à 5000 exemplaires" in text
    assert "En attente de l'avis du ministère" in text
    assert "Atelier sur la migration de travail" in text and "Sami Ben Salah" in text
    assert in_language(app, language, lambda: _("Since %(date)s",
                                                    date=medium_date(SINCE))) in text
    arrow = "←" if language == "ar" else "→"  # pointing the way the line reads
    assert in_language(app, language, lambda: f"{percent(20)} {arrow} {percent(60)}") in text
    right_to_left = [p._p.pPr is not None and p._p.pPr.find(qn("w:bidi")) is not None
                     for p in document.paragraphs if p.text]
    assert all(right_to_left) if language == "ar" else not any(right_to_left)


def test_meeting_report_runs_the_same_number_of_queries_for_few_or_many_actions(
        client, auth, make_user, make_action, follow_up):
    auth.login(make_user(Role.VIEWER))
    url = meeting_url(follow_up) + "&gcm=3&gcm=16"

    def queries() -> int:
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    few = queries()
    for i in range(20):
        action = make_action(recommendation=follow_up["journalists"], title=f"Action {i}")
        record_update(follow_up["coordinator"], action, None, Change(
            status=Status.IN_PROGRESS, progress=i, comment=f"Commentaire {i}"))
    db.session.commit()
    assert queries() == few


@pytest.fixture
def review(app, follow_up):
    """The follow-up, with an indicator on the guide and a title a spreadsheet would run."""
    add_indicator(None, {"name": "Guides distribués", "unit": "", "baseline_value": 0,
                         "baseline_date": date.today() - timedelta(days=60),
                         "target_value": 10000,
                         "target_date": date.today() + timedelta(days=300)},
                  action=follow_up["guide"])
    follow_up["training"].title = "=HYPERLINK(\"https://example.org\")"
    db.session.commit()
    return follow_up


def test_gcm_review_report_groups_recommendations_by_objective_across_events(
        client, auth, make_user, review):
    auth.login(make_user(Role.VIEWER))
    text = page_text(client.get("/reports/gcm"))
    three = text.index("3. Information provision", text.index("Summary") + 100)
    sixteen = text.index("16. Inclusion and social cohesion", three)
    objective_3 = text[three:sixteen]
    assert "Informer les candidats au départ" in objective_3
    assert "Former les journalistes" in objective_3  # another event
    assert "Atelier médias et migration" in objective_3
    assert "By institution" in objective_3 and "Observatoire National de la Migration" in \
        objective_3
    assert "Guides distribués" in objective_3  # the guide's indicator
    objective_16 = text[sixteen:]
    assert "Adopter le décret d'inclusion" in objective_16
    assert "Former les journalistes" in objective_16  # under both objectives
    assert "Office des Tunisiens à l'Étranger" in objective_16


@pytest.mark.parametrize("language", LANGUAGES)
def test_gcm_review_report_in_each_language_as_html_pdf_and_word(
        app, client, auth, make_user, review, language):
    auth.login(make_user(Role.VIEWER))
    page = client.get(f"/reports/gcm?lang={language}").get_data(as_text=True)
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in page
    label = in_language(app, language, lambda: objective(3).label)
    reader = pdf_reader(client.get(f"/reports/gcm.pdf?lang={language}"))
    assert label in pdf_headings(reader)
    pdf = pdf_text(reader)
    document = docx_document(client.get(f"/reports/gcm.docx?lang={language}"))
    text = docx_text(document)
    assert label in text
    for content in (pdf, text):
        assert "Informer les candidats au départ" in content
        assert "Guide imprimé à 5000 exemplaires" in content  # the latest comment
        assert "Observatoire National de la Migration" in content
    if language == "ar":
        assert label == "الهدف 3"  # no official Arabic title yet: the number only
        title = document.paragraphs[0]
        assert title._p.pPr.find(qn("w:bidi")) is not None
        assert document.tables[0]._tbl.tblPr.find(qn("w:bidiVisual")) is not None


def test_gcm_review_rows_as_csv_are_safe_in_a_spreadsheet(client, auth, make_user, review):
    auth.login(make_user(Role.VIEWER))
    response = client.get("/reports/gcm.csv?lang=en")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "gcm-review-en-" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["GCM objective", "Objective"] and "Lead institution" in header
    # The training serves objectives 3 and 16: one row under each. Four rows in all.
    assert [(r[0], r[10]) for r in body] == [
        ("3", "Publier le guide du départ"),
        ("3", "'=HYPERLINK(\"https://example.org\")"),
        ("16", "Adopter le décret d'inclusion"),
        ("16", "'=HYPERLINK(\"https://example.org\")"),
    ]
    guide = body[0]
    assert guide[header.index("Status")] == "In progress"
    assert guide[header.index("Progress (%)")] == "60"
    assert guide[header.index("Lead institution")] == "ONM"
    assert "Guides distribués: —/10000" in guide[header.index("Indicators")]
    assert body[2][header.index("Event")] == "Atelier sur la migration de travail"


def test_gcm_review_report_runs_the_same_number_of_queries_for_few_or_many_actions(
        client, auth, make_user, make_action, review):
    auth.login(make_user(Role.VIEWER))

    def queries(url: str) -> int:
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    few = [queries("/reports/gcm"), queries("/reports/gcm.csv")]
    for i in range(20):
        make_action(recommendation=review["journalists"], title=f"Action {i}")
    assert [queries("/reports/gcm"), queries("/reports/gcm.csv")] == few


def test_reports_page_links_the_meeting_and_gcm_reports(client, auth, make_user, follow_up):
    auth.login(make_user(Role.FOCAL_POINT))
    page = client.get("/my-actions").get_data(as_text=True)
    assert 'href="/reports/meeting"' in page  # in the main menu
    page = client.get(meeting_url(follow_up)).get_data(as_text=True)
    assert 'href="/reports/gcm"' in page
    assert "/reports/meeting.docx?event=" in page and "/reports/meeting.pdf?event=" in page


def test_an_events_report_leads_to_its_meeting_report(client, auth, make_user, follow_up):
    auth.login(make_user(Role.VIEWER))
    event_id = follow_up["labour"].id
    page = client.get(f"/events/{event_id}/report").get_data(as_text=True)
    assert f'href="/reports/meeting?event={event_id}"' in page
