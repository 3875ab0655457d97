"""The report kept with its event, drafts from missed passages, and recommendations that
come back: linked, shown on their page and gathered on the recurring view."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import count_queries
from tests.test_import_web import REPORT_000, TITLES_000, recommendations, review_values
from tracker.demo.loader import load_demo
from tracker.extensions import db
from tracker.models import AuditEntry, Event, RecommendationLink, Role, SourceDocument


@pytest.fixture
def coordinator(make_user, auth):
    user = make_user(Role.COORDINATOR)
    auth.login(user)
    return user


def test_the_pasted_report_is_kept_with_the_event_and_downloadable(
        client, coordinator, make_event, make_user, auth):
    event = make_event()
    client.post(f"/events/{event.id}/import", data={"text": REPORT_000})
    document = db.session.scalars(select(SourceDocument)).one()
    assert document.event_id == event.id and document.filename == "report.txt"
    assert db.session.scalars(select(AuditEntry.verb)).all()[-1] == "keep_source"
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert f"/events/sources/{document.id}" in page

    auth.logout()
    assert client.get(f"/events/sources/{document.id}").status_code == 302  # sign in first
    auth.login(make_user(Role.VIEWER))
    response = client.get(f"/events/sources/{document.id}")
    assert response.status_code == 200
    assert response.data.decode("utf-8") == REPORT_000


def test_an_uploaded_report_is_kept_as_sent(client, coordinator, make_event):
    event = make_event()
    data = REPORT_000.encode("utf-8")
    client.post(f"/events/{event.id}/import",
                data={"file": (io.BytesIO(data), "rapport onm.txt")})
    document = db.session.scalars(select(SourceDocument)).one()
    assert document.filename == "rapport_onm.txt" and document.stored_name != "rapport_onm.txt"
    assert client.get(f"/events/sources/{document.id}").data == data


def test_a_missed_passage_becomes_a_draft_next_to_the_others(client, coordinator, make_event):
    event = make_event()
    page = client.post(f"/events/{event.id}/import", data={"text": REPORT_000})
    text = page.get_data(as_text=True)
    assert "data-passage-source" in text and 'name="passage"' in text  # select or paste
    values = review_values(text)
    passage = ("Les participants ont recommandé la création d'un observatoire régional "
               "des migrations à Sfax.")
    page = client.post(f"/events/{event.id}/import/passage", data={**values, "passage": passage})
    assert page.status_code == 200
    values = review_values(page.get_data(as_text=True))
    assert values["drafts-5-title"] == ["Création d'un observatoire régional des migrations à Sfax"]
    assert values["drafts-5-number"] == ["6"] and values["drafts-5-accept"] == ["y"]
    assert client.post(f"/events/{event.id}/import/accept", data=values).status_code == 302
    assert [r.title for r in recommendations(event)][-1].startswith("Création d'un observatoire")

    empty = client.post(f"/events/{event.id}/import/passage", data={**values, "passage": " "})
    assert empty.status_code == 422
    assert "Paste or select the passage" in empty.get_data(as_text=True)


def test_a_coordinator_links_a_recommendation_to_an_earlier_one(
        client, coordinator, make_event, make_recommendation, make_action, auth, make_user):
    earlier = make_recommendation(make_event("Atelier AMEM", date=date(2022, 7, 27)),
                                  title="Renforcer le système d'information sur la migration")
    make_action(recommendation=earlier).progress = 40
    later = make_recommendation(make_event("Anniversaire de l'ONM", date=date(2024, 1, 1)),
                                title="Renforcer le système d'information de l'ONM")
    db.session.commit()
    page = client.get(f"/recommendations/{later.id}").get_data(as_text=True)
    assert "Recommended before" in page and "Atelier AMEM" in page
    assert "0 of 1 action completed" in page and "Link: it is the same" in page

    response = client.post(f"/recommendations/{later.id}/links", data={"earlier": earlier.id})
    assert response.status_code == 302
    link = db.session.scalars(select(RecommendationLink)).one()
    assert (link.recommendation_id, link.earlier_id) == (later.id, earlier.id)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.verb == "link")).one()
    assert entry.object_id == later.id and entry.changes == {"earlier": earlier.id}

    again = client.post(f"/recommendations/{earlier.id}/links", data={"earlier": later.id})
    assert again.status_code == 422 and "already linked" in again.get_data(as_text=True)
    for bad in ("0", "abc", "99999", str(later.id)):
        assert client.post(f"/recommendations/{later.id}/links",
                           data={"earlier": bad}).status_code == 422
    assert client.post(f"/recommendations/{later.id}/links", csrf=False,
                       data={"earlier": earlier.id}).status_code in (400, 403)
    auth.logout()
    auth.login(make_user(Role.VIEWER))
    assert client.post(f"/recommendations/{later.id}/links",
                       data={"earlier": earlier.id}).status_code == 403
    assert db.session.query(RecommendationLink).count() == 1


def test_the_recurring_view_counts_returns_and_progress_at_a_fixed_number_of_queries(
        client, coordinator, make_event, make_recommendation, make_action):
    def chain(times: int, title: str) -> None:
        recs = [make_recommendation(make_event(f"{title} {year}", date=date(year, 1, 1)),
                                    title=title) for year in range(2017, 2017 + times)]
        for rec in recs:
            make_action(recommendation=rec).progress = 50
        for earlier, later in zip(recs, recs[1:], strict=False):
            db.session.add(RecommendationLink(recommendation_id=later.id, earlier_id=earlier.id))
        db.session.commit()

    def queries() -> int:
        with count_queries() as statements:
            response = client.get("/recurring")
        assert response.status_code == 200
        return len(statements)

    chain(2, "Former les journalistes")
    few = queries()
    chain(3, "Renforcer le système d'information")
    chain(2, "Créer un observatoire")
    assert queries() == few
    page = client.get("/recurring").get_data(as_text=True)
    assert page.index("Made 3 times") < page.index("Made 2 times")
    assert "0 of 3 actions completed" in page and "50 %" in page
    assert "/recurring" in client.get("/dashboard").get_data(as_text=True)


def test_seed_000_imported_into_a_new_event_shows_the_demo_recommendation_made_before(
        client, coordinator, make_event):
    load_demo()
    db.session.commit()
    demo = {e.id: e.title for e in db.session.scalars(select(Event))}
    event = make_event("Suivi de l'atelier de l'ONM", date=date(2025, 6, 1))
    page = client.post(f"/events/{event.id}/import", data={"text": REPORT_000})
    values = review_values(page.get_data(as_text=True))
    assert values["drafts-0-title"] == [TITLES_000[0]]
    similar = [values.get(f"drafts-{i}-similar", [""])[0] for i in range(5)]
    assert any(title in s for s in similar for title in demo.values())
    assert "Recommended before at:" in page.get_data(as_text=True)
