"""Importing an event's recommendations from its report: the pages and the command."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from sqlalchemy import func, select

from tests.test_import_parser import minimal_pdf, word_document
from tracker.extensions import db
from tracker.models import AuditEntry, Recommendation, Role, Theme

REPORTS = Path(__file__).parent / "fixtures" / "reports"
REPORT_000 = (REPORTS / "000_0349b9e6426674fc.txt").read_text(encoding="utf-8")
TITLES_000 = [
    "Renforcement des capacités institutionnelles et du système d’information",
    "Création d’indicateurs spécifiques pour les migrations en Tunisie",
    "Harmonisation du discours sur la migration",
    "Encourager les partenariats entre chercheurs tunisiens et internationaux",
    "Améliorer le suivi des accords bilatéraux et multilatéraux",
]


class ReviewFormValues(HTMLParser):
    """Collect what a browser would send from the review form of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self.in_form = False
        self.textarea: str | None = None
        self.select: str | None = None

    def add(self, name: str, value: str) -> None:
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = "/import/accept" in (attrs.get("action") or "")
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind == "checkbox":
                if "checked" in attrs:
                    self.add(name, attrs.get("value") or "on")
            elif kind not in ("submit", "file"):
                self.add(name, attrs.get("value") or "")
        elif tag == "textarea":
            self.textarea = name
            self.add(name, "")
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.add(self.select, attrs.get("value") or "")

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea:
            # Browsers drop the newline that starts a textarea's content.
            value = self.values[self.textarea][-1]
            self.values[self.textarea][-1] = value.removeprefix("\r\n").removeprefix("\n")
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.in_form = False


def review_values(page: str) -> dict[str, list[str]]:
    parser = ReviewFormValues()
    parser.feed(page)
    parser.values.pop("csrf_token", None)
    return parser.values


def recommendations(event) -> list[Recommendation]:
    return db.session.scalars(select(Recommendation).where(Recommendation.event_id == event.id)
                              .order_by(Recommendation.position)).all()


def row_count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def coordinator(make_user, auth):
    user = make_user(Role.COORDINATOR)
    auth.login(user)
    return user


def test_the_event_page_offers_the_import_to_managers_only(client, auth, make_user, make_event):
    event = make_event()
    auth.login(make_user(Role.COORDINATOR))
    assert f"/events/{event.id}/import" in client.get(f"/events/{event.id}").get_data(as_text=True)
    auth.logout()
    auth.login(make_user(Role.VIEWER))
    assert "/import" not in client.get(f"/events/{event.id}").get_data(as_text=True)


def test_pasting_report_000_shows_its_five_drafts_ready_to_accept(client, coordinator,
                                                                  make_event):
    event = make_event()
    assert client.get(f"/events/{event.id}/import").status_code == 200
    response = client.post(f"/events/{event.id}/import", data={"text": REPORT_000})
    assert response.status_code == 200
    values = review_values(response.get_data(as_text=True))
    assert [values[f"drafts-{i}-title"] for i in range(5)] == [[t] for t in TITLES_000]
    assert "drafts-5-title" not in values
    assert [values[f"drafts-{i}-number"] for i in range(5)] == [["1"], ["2"], ["3"], ["4"], ["5"]]
    assert all(values[f"drafts-{i}-accept"] == ["y"] for i in range(5))
    assert not any(f"drafts-{i}-merge" in values for i in range(5))
    assert values["language"] == ["fr"]
    assert values["drafts-0-text"][0].startswith(TITLES_000[0] + " : Les participants")
    themes = {t.id: t.code for t in db.session.scalars(select(Theme))}
    assert [themes[int(values[f"drafts-{i}-theme"][0])] for i in range(5)] == [
        "information_systems", "indicators", "journalists_public_discourse",
        "research_partnerships", "gcm_agreements_followup"]
    assert values["drafts-0-gcm_objectives"] == ["1"]
    assert values["drafts-2-gcm_objectives"] == ["17"]
    page = response.get_data(as_text=True)
    assert "journalistes" in values["drafts-2-reasons"][0]
    assert "Suggested because the text says: discours, journalistes" in page
    assert row_count(Recommendation) == 0  # the review step writes nothing


def test_accepting_three_drafts_with_an_edited_title_creates_exactly_those_three(
        client, coordinator, make_event):
    event = make_event()
    page = client.post(f"/events/{event.id}/import", data={"text": REPORT_000})
    values = review_values(page.get_data(as_text=True))
    del values["drafts-1-accept"], values["drafts-3-accept"]
    values["drafts-2-title"] = ["Former les journalistes au discours public"]
    values["drafts-4-gcm_objectives"] = ["23", "1"]
    audit_before = row_count(AuditEntry)

    response = client.post(f"/events/{event.id}/import/accept", data=values)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{event.id}")
    created = recommendations(event)
    assert [(r.number, r.title) for r in created] == [
        ("1", TITLES_000[0]), ("3", "Former les journalistes au discours public"),
        ("5", TITLES_000[4])]
    assert created[0].text.startswith(TITLES_000[0] + " : Les participants")
    assert created[0].theme.code == "information_systems"
    assert [o.number for o in created[2].gcm_objectives] == [1, 23]
    assert all(r.language == "fr" for r in created)
    audit = db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "recommendation", AuditEntry.verb == "create")).all()
    assert sorted(a.object_id for a in audit) == sorted(r.id for r in created)
    assert all(a.actor_id == coordinator.id for a in audit)
    assert row_count(AuditEntry) == audit_before + 3
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "3 recommendations imported." in page
    assert "Former les journalistes au discours public" in page


def test_numbers_continue_after_the_event_recommendations(client, coordinator, make_event,
                                                          make_recommendation):
    event = make_event()
    make_recommendation(event=event, number="1")
    make_recommendation(event=event, number="2")
    page = client.post(f"/events/{event.id}/import", data={"text": REPORT_000})
    values = review_values(page.get_data(as_text=True))
    assert [values[f"drafts-{i}-number"][0] for i in range(5)] == ["3", "4", "5", "6", "7"]
    response = client.post(f"/events/{event.id}/import/accept", data=values)
    assert response.status_code == 302
    assert [r.number for r in recommendations(event)] == ["1", "2", "3", "4", "5", "6", "7"]


def test_numbers_taken_or_given_twice_are_refused_and_nothing_is_written(
        client, coordinator, make_event, make_recommendation):
    event = make_event()
    make_recommendation(event=event, number="1", title="Déjà là")
    values = review_values(client.post(f"/events/{event.id}/import",
                                       data={"text": REPORT_000}).get_data(as_text=True))
    values["drafts-3-number"] = ["1"]
    response = client.post(f"/events/{event.id}/import/accept", data=values)
    assert response.status_code == 422
    assert "The event already has recommendations numbered 1." in response.get_data(as_text=True)
    assert [r.title for r in recommendations(event)] == ["Déjà là"]

    values["drafts-3-number"] = ["2"]
    response = client.post(f"/events/{event.id}/import/accept", data=values)
    assert response.status_code == 422
    assert "These numbers are given to several drafts: 2." in response.get_data(as_text=True)
    assert len(recommendations(event)) == 1
    # The drafts come back as the reviewer left them.
    assert review_values(response.get_data(as_text=True))["drafts-3-number"] == ["2"]


def test_merging_a_draft_adds_its_text_to_the_previous_one(client, coordinator, make_event):
    event = make_event()
    values = review_values(client.post(f"/events/{event.id}/import",
                                       data={"text": REPORT_000}).get_data(as_text=True))
    values["drafts-1-merge"] = ["y"]
    response = client.post(f"/events/{event.id}/import/accept", data=values)
    assert response.status_code == 302
    created = recommendations(event)
    assert [(r.number, r.title) for r in created] == [
        ("1", TITLES_000[0]), ("3", TITLES_000[2]), ("4", TITLES_000[3]), ("5", TITLES_000[4])]
    assert created[0].text == values["drafts-0-text"][0] + "\n\n" + values["drafts-1-text"][0]
    assert created[0].theme.code == "information_systems"
    assert [o.number for o in created[0].gcm_objectives] == [1, 6, 7]


def test_accepting_needs_an_accepted_draft_with_a_title_and_valid_choices(
        client, coordinator, make_event):
    event = make_event()
    values = review_values(client.post(f"/events/{event.id}/import",
                                       data={"text": REPORT_000}).get_data(as_text=True))
    accepted = {k: v for k, v in values.items() if not k.endswith("-accept")}
    response = client.post(f"/events/{event.id}/import/accept", data=accepted)
    assert response.status_code == 422
    assert "Accept at least one draft." in response.get_data(as_text=True)

    for change in ({"drafts-0-title": [""]}, {"drafts-0-number": ["a b"]},
                   {"drafts-0-theme": ["99999"]}, {"drafts-0-gcm_objectives": ["99"]},
                   {"language": ["xx"]}):
        response = client.post(f"/events/{event.id}/import/accept", data={**values, **change})
        assert response.status_code == 422, change
    assert row_count(Recommendation) == 0


def test_focal_points_and_viewers_may_not_import(client, auth, make_user, make_event):
    event = make_event()
    for role in (Role.FOCAL_POINT, Role.VIEWER):
        auth.login(make_user(role))
        assert client.get(f"/events/{event.id}/import").status_code == 403
        assert client.post(f"/events/{event.id}/import",
                           data={"text": REPORT_000}).status_code == 403
        assert client.post(f"/events/{event.id}/import/accept", data={
            "language": "fr", "drafts-0-accept": "y", "drafts-0-number": "1",
            "drafts-0-title": "Intrusion"}).status_code == 403
        auth.logout()
    assert row_count(Recommendation) == 0


@pytest.mark.parametrize(("data", "status", "message"), [
    ({"text": "   "}, 422, "Paste the text of the report or choose a file."),
    ({"text": "Le séminaire s'est tenu à Tunis le 3 mai 2023.\n\nIl a réuni quarante "
              "participants venus de six gouvernorats."}, 422,
     "No recommendations were found in this report: neither a list nor sentences"),
    ({"file": (io.BytesIO(b"PK\x03\x04"), "rapport.odt")}, 422,
     "rapport.odt is not a type the importer reads"),
    ({"file": (io.BytesIO(b"%PDF-1.4 broken"), "rapport.pdf")}, 422,
     "rapport.pdf cannot be read: the file is damaged"),
    ({"file": (io.BytesIO(b""), "rapport.txt")}, 422, "rapport.txt is empty."),
    ({"file": (io.BytesIO(b"a" * (100 * 1024 + 1)), "rapport.txt")}, 413,
     "rapport.txt is larger than the 100 KB allowed."),
], ids=["empty", "no drafts", "unknown type", "damaged pdf", "empty file", "too big"])
def test_bad_reports_are_refused_with_a_message_and_nothing_is_written(
        app, client, coordinator, make_event, data, status, message):
    # A small limit keeps the request under the test client's in-memory limit; the
    # 10 MB default is tested on the reader.
    app.config["IMPORT_MAX_BYTES"] = 100 * 1024
    event = make_event()
    audit_before = row_count(AuditEntry)
    response = client.post(f"/events/{event.id}/import", data=data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert row_count(Recommendation) == 0
    assert row_count(AuditEntry) == audit_before


def test_a_small_word_document_with_a_huge_text_is_refused_before_it_is_read(
        client, coordinator, make_event):
    # 700,000 characters that zip into a few kilobytes: what once held a worker two minutes.
    data = word_document(["Il est recommandé de renforcer le système d'information. " * 50]
                         * 250)
    assert len(data) < 100 * 1024
    event = make_event()
    response = client.post(f"/events/{event.id}/import",
                           data={"file": (io.BytesIO(data), "rapport.docx")})
    assert response.status_code == 413
    assert "the importer reads at most 600 000" in response.get_data(as_text=True)
    assert row_count(Recommendation) == 0


def test_a_word_document_is_read(client, coordinator, make_event):
    event = make_event()
    data = word_document(["Système d'information : relier les bases de l'ONM et de l'INS.",
                          "Journalistes : former les journalistes au discours public."])
    assert docx.Document(io.BytesIO(data)).paragraphs  # a real .docx, built by python-docx
    response = client.post(f"/events/{event.id}/import",
                           data={"file": (io.BytesIO(data), "rapport.docx")})
    assert response.status_code == 200
    values = review_values(response.get_data(as_text=True))
    assert [values["drafts-0-title"], values["drafts-1-title"]] == [
        ["Système d'information"], ["Journalistes"]]
    assert "drafts-2-title" not in values


def test_a_pdf_is_read_and_its_drafts_can_be_accepted(client, coordinator, make_event):
    event = make_event()
    data = minimal_pdf(["Rapport de l'atelier", "Recommandations :",
                        "1. Renforcer le système d'information sur la migration.",
                        "2. Créer des indicateurs adaptés au contexte tunisien."])
    response = client.post(f"/events/{event.id}/import",
                           data={"file": (io.BytesIO(data), "rapport.pdf")})
    assert response.status_code == 200
    values = review_values(response.get_data(as_text=True))
    response = client.post(f"/events/{event.id}/import/accept", data=values)
    assert response.status_code == 302
    assert [r.title for r in recommendations(event)] == [
        "Renforcer le système d'information sur la migration",
        "Créer des indicateurs adaptés au contexte tunisien"]


def test_an_arabic_report_is_imported_as_arabic(client, coordinator, make_event):
    event = make_event()
    text = (REPORTS / "ar_workshop_report.txt").read_text(encoding="utf-8")
    values = review_values(client.post(f"/events/{event.id}/import",
                                       data={"text": text}).get_data(as_text=True))
    assert values["language"] == ["ar"]
    assert client.post(f"/events/{event.id}/import/accept", data=values).status_code == 302
    created = recommendations(event)
    assert [r.title for r in created][1] == "تكوين الصحفيين"
    assert {r.language for r in created} == {"ar"}


# -- The command ------------------------------------------------------------------------------


def test_command_prints_the_drafts_as_json_and_saves_nothing(runner):
    result = runner.invoke(args=["import-report", str(REPORTS / "000_0349b9e6426674fc.txt"),
                                 "--json"])
    assert result.exit_code == 0, result.output
    drafts = json.loads(result.stdout)
    assert [d["title"] for d in drafts] == TITLES_000
    assert all(set(d) == {"title", "text", "theme", "gcm_objectives", "source_excerpt", "similar"}
               for d in drafts)
    assert all(d["similar"] == [] for d in drafts)  # nothing was imported before
    assert drafts[0]["theme"] == "information_systems"
    assert drafts[0]["gcm_objectives"] == [1]
    assert row_count(Recommendation) == 0


def test_command_prints_a_readable_list(runner):
    result = runner.invoke(args=["import-report", str(REPORTS / "004_5c1b33d1fa813894.txt")])
    assert result.exit_code == 0, result.output
    assert "3 draft(s) found; nothing was saved." in result.output
    assert "1. Aligner la vision des différentes parties prenantes" in result.output
    assert "Theme: indicators" in result.output


def test_command_reads_word_and_pdf_files(runner, tmp_path):
    path = tmp_path / "rapport.docx"
    path.write_bytes(word_document(["Système d'information : relier les bases de l'ONM.",
                                    "Journalistes : former les journalistes."]))
    result = runner.invoke(args=["import-report", str(path), "--json"])
    assert [d["title"] for d in json.loads(result.stdout)] == ["Système d'information",
                                                               "Journalistes"]
    path = tmp_path / "rapport.pdf"
    path.write_bytes(minimal_pdf(["Recommandations", "- Former les journalistes aux faits.",
                                  "- Publier un annuaire statistique annuel."]))
    result = runner.invoke(args=["import-report", str(path), "--json"])
    assert len(json.loads(result.stdout)) == 2


def test_command_on_a_report_without_recommendations_prints_an_empty_list(runner, tmp_path):
    path = tmp_path / "compte-rendu.txt"
    path.write_text("La réunion s'est tenue à Sfax le 12 juin 2024.\n\nElle a réuni les "
                    "membres du comité régional.\n", encoding="utf-8")
    result = runner.invoke(args=["import-report", str(path), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(("name", "content", "message"), [
    ("missing.txt", None, "missing.txt cannot be read"),
    ("rapport.odt", b"PK\x03\x04", "not a type the importer reads"),
    ("rapport.pdf", b"%PDF-1.4 broken", "damaged"),
])
def test_command_on_a_bad_file_says_why_and_exits_1(app, runner, tmp_path, name, content,
                                                    message):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"  # commands speak the default language
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(args=["import-report", str(path), "--json"])
    assert result.exit_code == 1
    assert message in result.output
    assert result.stdout == ""
