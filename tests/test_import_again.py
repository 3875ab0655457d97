"""Importing a report twice, and recommendations that come back from earlier events."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.test_import_web import REPORT_000, TITLES_000, recommendations, review_values
from tracker.models import Role

REPORTS = Path(__file__).parent / "fixtures" / "reports"


@pytest.fixture
def coordinator(make_user, auth):
    user = make_user(Role.COORDINATOR)
    auth.login(user)
    return user


def test_a_report_imported_twice_creates_nothing_the_second_time(client, coordinator,
                                                                 make_event):
    event = make_event()
    first = review_values(client.post(f"/events/{event.id}/import",
                                      data={"text": REPORT_000}).get_data(as_text=True))
    assert client.post(f"/events/{event.id}/import/accept", data=first).status_code == 302
    assert len(recommendations(event)) == 5

    page = client.post(f"/events/{event.id}/import", data={"text": REPORT_000})
    values = review_values(page.get_data(as_text=True))
    assert [values[f"drafts-{i}-already"] for i in range(5)] == [["1"], ["2"], ["3"], ["4"], ["5"]]
    assert not any(f"drafts-{i}-accept" in values for i in range(5))
    assert "Already imported as 3." in page.get_data(as_text=True)

    response = client.post(f"/events/{event.id}/import/accept", data=values)
    assert response.status_code == 422
    assert len(recommendations(event)) == 5


def test_a_draft_shows_the_passage_it_came_from_and_why(client, coordinator, make_event):
    event = make_event()
    text = ("L'atelier s'est tenu à Tunis le 4 mars 2024.\n\nLes participants ont recommandé "
            "la création d'un observatoire régional des migrations à Sfax.\n")
    page = client.post(f"/events/{event.id}/import", data={"text": text}).get_data(as_text=True)
    values = review_values(page)
    assert values["drafts-0-title"] == ["Création d'un observatoire régional des migrations à Sfax"]
    assert values["drafts-0-confidence"] == ["high"]
    assert "<mark>Les participants ont recommandé la création" in page
    assert "Taken because of: ont recommandé" in page


def test_a_draft_like_a_recommendation_of_another_event_says_where_it_was_made_before(
        app, client, coordinator, make_event, make_recommendation, runner):
    earlier = make_event("Atelier AMEM", date=date(2022, 7, 27))
    before = make_recommendation(
        earlier, title="Renforcement des capacités institutionnelles et du système "
        "d'information sur la migration", number="R2")
    make_recommendation(earlier, title="Organiser une campagne de sensibilisation des jeunes",
                        number="R3")
    event = make_event("Dixième anniversaire de l'ONM")
    page = client.post(f"/events/{event.id}/import", data={"text": REPORT_000})
    values = review_values(page.get_data(as_text=True))
    assert values["drafts-0-title"] == [TITLES_000[0]]
    assert "Atelier AMEM (2022-07-27): R2" in values["drafts-0-similar"][0]
    assert "Recommended before at: Atelier AMEM" in page.get_data(as_text=True)
    assert not any(f"drafts-{i}-similar" in values and "R3" in values[f"drafts-{i}-similar"][0]
                   for i in range(5))

    result = runner.invoke(args=["import-report", str(REPORTS / "000_0349b9e6426674fc.txt"),
                                 "--json"])
    drafts = json.loads(result.stdout)
    assert drafts[0]["similar"] == [before.id]
    assert drafts[0]["source_excerpt"].startswith(TITLES_000[0])
