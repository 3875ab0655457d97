"""Two people editing the same thing at once: the second save is refused, never merged.

Each test opens the edit form in two browsers (two coordinators, or two focal points),
saves from the first, then from the second with the version its form was rendered from.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.helpers import form_on_page, page_text
from tracker.extensions import db
from tracker.indicators import services as indicator_services
from tracker.models import ActionUpdate, AuditEntry, Event, Indicator, Recommendation, Role


@pytest.fixture
def browser(app):
    """Return a function giving a new browser signed in as `user`."""

    def open_as(user):
        client = app.test_client()
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        return client

    return open_as


def _audit_updates(object_type: str, object_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == object_type, AuditEntry.object_id == object_id,
        AuditEntry.verb == "update"))


def _race(browser, make_user, url: str, first_change: dict, second_change: dict):
    """Open `url` in two coordinators' browsers, save from each; return both responses."""
    first = browser(make_user(Role.COORDINATOR))
    second = browser(make_user(Role.COORDINATOR))
    first_form, second_form = form_on_page(first.get(url)), form_on_page(second.get(url))
    assert first_form["version"] == second_form["version"] == "1"
    saved = first.post(url, data={**first_form, **first_change})
    refused = second.post(url, data={**second_form, **second_change})
    return saved, refused


def test_second_save_of_an_event_is_refused_and_writes_nothing(browser, make_user, make_event):
    event = make_event("Atelier national de l'ONM", place="Tunis")

    saved, refused = _race(browser, make_user, f"/events/{event.id}/edit",
                           {"title": "Atelier du Xème anniversaire"}, {"place": "Sousse"})

    assert saved.status_code == 302
    assert refused.status_code == 409
    assert "Someone else saved this event while you were editing it" in page_text(refused)
    # The form shows the latest version, to make the changes again from it.
    assert form_on_page_of(refused)["title"] == "Atelier du Xème anniversaire"
    assert form_on_page_of(refused)["version"] == "2"
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert (event.title, event.place, event.version) == ("Atelier du Xème anniversaire",
                                                         "Tunis", 2)
    assert _audit_updates("event", event.id) == 1


def test_second_save_of_a_recommendation_is_refused_and_writes_nothing(
        browser, make_user, make_recommendation):
    recommendation = make_recommendation(number="1", title="Renforcer le système")

    saved, refused = _race(browser, make_user, f"/recommendations/{recommendation.id}/edit",
                           {"title": "Renforcer le système d'information"},
                           {"number": "7", "gcm_objectives": ["3"]})

    assert saved.status_code == 302
    assert refused.status_code == 409
    assert "Someone else saved this recommendation" in page_text(refused)
    db.session.expire_all()
    recommendation = db.session.get(Recommendation, recommendation.id)
    assert (recommendation.number, recommendation.title) == (
        "1", "Renforcer le système d'information")
    assert recommendation.gcm_objectives == []
    assert _audit_updates("recommendation", recommendation.id) == 1


def test_a_change_of_objectives_alone_bumps_the_recommendation_version(
        browser, make_user, make_recommendation):
    recommendation = make_recommendation(number="1")

    saved, refused = _race(browser, make_user, f"/recommendations/{recommendation.id}/edit",
                           {"gcm_objectives": ["1", "17"]}, {"title": "Autre titre"})

    assert saved.status_code == 302
    assert refused.status_code == 409
    db.session.expire_all()
    recommendation = db.session.get(Recommendation, recommendation.id)
    assert [o.number for o in recommendation.gcm_objectives] == [1, 17]
    assert recommendation.title == "Renforcer le système d'information"


def test_second_save_of_an_indicator_is_refused_and_writes_nothing(
        browser, make_user, make_recommendation):
    recommendation = make_recommendation()
    indicator = indicator_services.add_indicator(None, {
        "name": "Rapports publiés", "unit": "rapports", "baseline_value": 0,
        "baseline_date": date(2024, 1, 1), "target_value": 4,
        "target_date": date(2026, 12, 31)}, recommendation=recommendation)
    db.session.commit()

    saved, refused = _race(browser, make_user, f"/indicators/{indicator.id}/edit",
                           {"target_value": "6"}, {"name": "Rapports annuels publiés"})

    assert saved.status_code == 302
    assert refused.status_code == 409
    assert "Someone else saved this indicator" in page_text(refused)
    db.session.expire_all()
    indicator = db.session.get(Indicator, indicator.id)
    assert (indicator.name, indicator.target_value) == ("Rapports publiés", 6)
    assert _audit_updates("indicator", indicator.id) == 1


def test_an_edit_that_sends_no_version_is_refused_as_stale(client, auth, coordinator,
                                                           make_event):
    event = make_event(place="Tunis")
    auth.login(coordinator)
    form = form_on_page(client.get(f"/events/{event.id}/edit"))
    del form["version"]

    response = client.post(f"/events/{event.id}/edit", data={**form, "place": "Sfax"})

    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Event, event.id).place == "Tunis"


def test_a_comment_from_a_stale_action_page_is_refused(browser, make_user, make_action):
    action = make_action()
    colleague = make_user(Role.FOCAL_POINT, institution=action.lead_institution)
    first, second = browser(action.owner), browser(colleague)
    url, update = f"/actions/{action.id}", f"/actions/{action.id}/update"
    first_form = form_on_page(first.get(url), action=update)
    second_form = form_on_page(second.get(url), action=update)
    assert first_form["version"] == second_form["version"]

    # A comment alone: status and progress stay as the page shows them.
    saved = first.post(update, data={**first_form, "comment": "Réunion tenue."})
    refused = second.post(update, data={**second_form, "comment": "Compte rendu."})

    assert saved.status_code == 302
    assert refused.status_code == 409
    assert "Someone else updated this action" in page_text(refused)
    comments = db.session.scalars(select(ActionUpdate.comment).where(
        ActionUpdate.action_id == action.id, ActionUpdate.comment != "")).all()
    assert comments == ["Réunion tenue."]


def form_on_page_of(response):
    """Return the values of the form a refused save shows again (status aside)."""
    response.status_code = 200
    return form_on_page(response)
