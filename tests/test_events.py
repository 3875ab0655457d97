import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.helpers import field_errors, form_on_page, page_text
from tracker.actions.services import Change, record_update
from tracker.extensions import db
from tracker.models import (
    AuditEntry,
    Event,
    GcmObjective,
    Priority,
    Recommendation,
    Role,
    Status,
    Theme,
)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def theme(code):
    return db.session.scalar(select(Theme).where(Theme.code == code))


@pytest.fixture
def coordinator(auth, make_user):
    user = make_user(Role.COORDINATOR, name="Karim Ben Salah", locale="en")
    assert auth.login(user).status_code == 302
    return user


def event_form(**values):
    data = {"title": "Atelier national de l'ONM", "date": "2024-05-20", "place": "Tunis",
            "organisers": "ONM, OIT", "source_url": "https://www.onm.nat.tn/rapport.pdf",
            "description": "Dixième anniversaire de l'Observatoire."}
    data.update(values)
    return data


def recommendation_form(**values):
    data = {"number": "1", "title": "Renforcer le système d'information",
            "text": "Mettre en place un système d'information sur la migration.",
            "theme": str(theme("information_systems").id), "gcm_objectives": ["1", "17"],
            "priority": "high", "language": "fr"}
    data.update(values)
    return data


def test_coordinator_creates_an_event_and_sees_its_page(client, coordinator):
    response = client.post("/events/new", data=event_form(
        title="Atelier sur la migration de travail"))

    assert response.status_code == 302
    [event] = db.session.scalars(select(Event)).all()
    assert response.headers["Location"] == f"/events/{event.id}"
    assert event.title == "Atelier sur la migration de travail"
    assert event.date == date(2024, 5, 20)
    assert event.place == "Tunis"
    assert event.organisers == "ONM, OIT"
    assert event.source_url == "https://www.onm.nat.tn/rapport.pdf"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "<h1>Atelier sur la migration de travail</h1>" in page_text(page)
    assert "https://www.onm.nat.tn/rapport.pdf" in page_text(page)


def test_coordinator_adds_a_recommendation_to_an_event(client, coordinator, make_event):
    event = make_event("Atelier national de l'ONM")

    response = client.post(f"/events/{event.id}/recommendations/new",
                           data=recommendation_form())

    assert response.status_code == 302
    [recommendation] = db.session.scalars(select(Recommendation)).all()
    assert response.headers["Location"] == f"/recommendations/{recommendation.id}"
    assert recommendation.event_id == event.id
    assert recommendation.number == "1"
    assert recommendation.title == "Renforcer le système d'information"
    assert recommendation.theme.code == "information_systems"
    assert [o.number for o in recommendation.gcm_objectives] == [1, 17]
    assert recommendation.priority == Priority.HIGH
    assert recommendation.language == "fr"
    page = page_text(client.get(f"/events/{event.id}"))
    assert "1. Renforcer le système d'information" in page
    assert "Information systems" in page
    assert "GCM 1<" in page and "GCM 17<" in page
    assert "Priority: High" in page


def test_recommendation_page_shows_its_classification(client, coordinator, make_event):
    event = make_event()
    client.post(f"/events/{event.id}/recommendations/new", data=recommendation_form())
    recommendation = db.session.scalar(select(Recommendation))

    page = page_text(client.get(f"/recommendations/{recommendation.id}"))

    assert "1. Renforcer le système d'information" in page
    assert "Mettre en place un système d'information sur la migration." in page
    assert "Information systems" in page
    assert "<dt>Priority</dt><dd>High</dd>" in page
    assert re.search(r'<span class="badge gcm"[^>]*>1\. ', page)
    assert re.search(r'<span class="badge gcm"[^>]*>17\. ', page)


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"title": ""}, "title", "This field is required."),
    ({"title": "x" * 301}, "title", "Field cannot be longer than 300 characters."),
    ({"date": ""}, "date", "This field is required."),
    ({"source_url": "not a url"}, "source_url", "Invalid URL."),
], ids=["missing-title", "long-title", "missing-date", "bad-url"])
def test_creating_an_event_with_bad_input_is_refused(client, coordinator, values, field,
                                                     message):
    before = count(AuditEntry)

    response = client.post("/events/new", data=event_form(**values))

    assert response.status_code == 422
    assert message in field_errors(response, field)
    assert count(Event) == 0
    assert count(AuditEntry) == before


def test_an_impossible_event_date_is_reported_as_not_a_valid_date(client, coordinator):
    response = client.post("/events/new", data=event_form(date="2024-13-45"))

    assert response.status_code == 422
    assert count(Event) == 0
    # The user typed a date: telling them the field is required is misleading.
    assert field_errors(response, "date") == ["Not a valid date value."]


def test_editing_an_event_with_bad_input_changes_nothing(client, coordinator, make_event):
    event = make_event("Atelier national de l'ONM")
    before = count(AuditEntry)

    response = client.post(f"/events/{event.id}/edit",
                           data=event_form(title="", source_url="not a url"))

    assert response.status_code == 422
    assert "This field is required." in field_errors(response, "title")
    assert "Invalid URL." in field_errors(response, "source_url")
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.title == "Atelier national de l'ONM"
    assert event.source_url == ""
    assert count(AuditEntry) == before


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"title": ""}, "title", "This field is required."),
    ({"title": "x" * 301}, "title", "Field cannot be longer than 300 characters."),
    ({"gcm_objectives": ["1", "99"]}, "gcm_objectives", "Not a valid choice."),
    ({"theme": "999999"}, "theme", "Not a valid choice."),
    ({"number": "1 bis!"}, "number", "Use letters, digits, dots or dashes."),
], ids=["missing-title", "long-title", "unknown-gcm-objective", "unknown-theme", "bad-number"])
def test_adding_a_recommendation_with_bad_input_is_refused(client, coordinator, make_event,
                                                           values, field, message):
    event = make_event()
    before = count(AuditEntry)

    response = client.post(f"/events/{event.id}/recommendations/new",
                           data=recommendation_form(**values))

    assert response.status_code == 422
    assert message in field_errors(response, field)
    assert count(Recommendation) == 0
    assert count(AuditEntry) == before


def test_a_recommendation_number_is_unique_within_its_event(client, coordinator, make_event,
                                                            make_recommendation):
    event = make_event()
    make_recommendation(event, number="3", title="Première recommandation")

    response = client.post(f"/events/{event.id}/recommendations/new",
                           data=recommendation_form(number="3", title="Doublon"))

    assert response.status_code == 422
    assert ("This event already has a recommendation with this number."
            in field_errors(response, "number"))
    assert db.session.scalars(select(Recommendation.title)).all() == ["Première recommandation"]


def test_the_same_recommendation_number_is_fine_in_another_event(client, coordinator,
                                                                 make_event,
                                                                 make_recommendation):
    make_recommendation(make_event("Premier atelier"), number="3")
    other = make_event("Second atelier")

    response = client.post(f"/events/{other.id}/recommendations/new",
                           data=recommendation_form(number="3"))

    assert response.status_code == 302
    numbers = db.session.scalars(
        select(Recommendation.number).where(Recommendation.event_id == other.id)).all()
    assert numbers == ["3"]


def test_renumbering_a_recommendation_onto_a_taken_number_is_refused(client, coordinator,
                                                                     make_event,
                                                                     make_recommendation):
    event = make_event()
    make_recommendation(event, number="1")
    second = make_recommendation(event, number="2")

    response = client.post(f"/recommendations/{second.id}/edit",
                           data=recommendation_form(number="1", version=second.version))

    assert response.status_code == 422
    assert ("This event already has a recommendation with this number."
            in field_errors(response, "number"))
    db.session.expire_all()
    assert db.session.get(Recommendation, second.id).number == "2"


def test_editing_an_event_records_the_changed_fields(client, coordinator, make_event):
    event = make_event("Atelier national de l'ONM", place="Tunis", organisers="ONM",
                       description="Dixième anniversaire.")
    form = form_on_page(client.get(f"/events/{event.id}/edit"))
    assert form["title"] == "Atelier national de l'ONM"
    assert form["date"] == "2024-05-20"

    form.update(title="Atelier national du Xème anniversaire de l'ONM", place="Gammarth")
    response = client.post(f"/events/{event.id}/edit", data=form)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{event.id}"
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.title == "Atelier national du Xème anniversaire de l'ONM"
    assert (event.date, event.organisers, event.description) == (
        date(2024, 5, 20), "ONM", "Dixième anniversaire.")
    [entry] = db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "event", AuditEntry.object_id == event.id,
        AuditEntry.verb == "update")).all()
    assert entry.actor_id == coordinator.id
    assert entry.changes == {
        "title": ["Atelier national de l'ONM",
                  "Atelier national du Xème anniversaire de l'ONM"],
        "place": ["Tunis", "Gammarth"],
    }


def test_editing_a_recommendation_records_the_changed_fields(client, coordinator,
                                                             make_recommendation):
    recommendation = make_recommendation(
        number="1", title="Renforcer le système d'information", text="Texte initial.",
        theme=theme("information_systems"), priority=Priority.MEDIUM, language="fr")

    response = client.post(f"/recommendations/{recommendation.id}/edit",
                           data=recommendation_form(
                               text="Texte initial.", theme=str(theme("indicators").id),
                               gcm_objectives=["1", "17"], priority="medium",
                               version=recommendation.version))

    assert response.status_code == 302
    db.session.expire_all()
    recommendation = db.session.get(Recommendation, recommendation.id)
    assert recommendation.theme.code == "indicators"
    assert [o.number for o in recommendation.gcm_objectives] == [1, 17]
    [entry] = db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "recommendation", AuditEntry.object_id == recommendation.id,
        AuditEntry.verb == "update")).all()
    assert entry.actor_id == coordinator.id
    assert entry.changes == {
        "theme": [theme("information_systems").id, theme("indicators").id],
        "gcm_objectives": [[], [1, 17]],
    }


def test_retitling_a_recommendation_through_its_form_keeps_its_classification(
        client, coordinator, make_recommendation):
    objectives = db.session.scalars(
        select(GcmObjective).where(GcmObjective.number.in_([1, 17]))).all()
    recommendation = make_recommendation(
        number="2", title="Création d'indicateurs", text="Texte du rapport.",
        theme=theme("indicators"), gcm_objectives=objectives, priority=Priority.HIGH)
    form = form_on_page(client.get(f"/recommendations/{recommendation.id}/edit"))

    form["title"] = "Création d'indicateurs spécifiques pour les migrations en Tunisie"
    response = client.post(f"/recommendations/{recommendation.id}/edit", data=form)

    assert response.status_code == 302
    db.session.expire_all()
    recommendation = db.session.get(Recommendation, recommendation.id)
    assert recommendation.title == (
        "Création d'indicateurs spécifiques pour les migrations en Tunisie")
    assert [o.number for o in recommendation.gcm_objectives] == [1, 17]
    assert recommendation.theme.code == "indicators"
    assert recommendation.priority == Priority.HIGH
    assert recommendation.text == "Texte du rapport."
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.object_type == "recommendation", AuditEntry.verb == "update"))
    assert set(entry.changes) == {"title"}


@pytest.mark.parametrize("role", [Role.FOCAL_POINT, Role.VIEWER])
def test_focal_points_and_viewers_can_read_events(client, auth, make_user, make_recommendation,
                                                  role):
    recommendation = make_recommendation(title="Harmonisation du discours sur la migration")
    auth.login(make_user(role))

    listing = client.get("/events")
    event_page = client.get(f"/events/{recommendation.event_id}")
    recommendation_page = client.get(f"/recommendations/{recommendation.id}")

    assert listing.status_code == 200
    assert "Atelier national de l'ONM" in page_text(listing)
    assert event_page.status_code == 200
    assert "Harmonisation du discours sur la migration" in page_text(event_page)
    assert recommendation_page.status_code == 200
    assert f"/events/{recommendation.event_id}/edit" not in page_text(event_page)


@pytest.mark.parametrize("role", [Role.FOCAL_POINT, Role.VIEWER])
def test_focal_points_and_viewers_cannot_open_event_forms(client, auth, make_user,
                                                          make_recommendation, role):
    recommendation = make_recommendation()
    event_id = recommendation.event_id
    auth.login(make_user(role))

    for url in ("/events/new", f"/events/{event_id}/edit",
                f"/events/{event_id}/recommendations/new",
                f"/recommendations/{recommendation.id}/edit"):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", [Role.FOCAL_POINT, Role.VIEWER])
def test_focal_points_and_viewers_cannot_save_events_or_recommendations(
        client, auth, make_user, make_recommendation, role):
    recommendation = make_recommendation(number="1", title="Titre d'origine")
    event_id = recommendation.event_id
    auth.login(make_user(role))
    audit_before = count(AuditEntry)

    responses = {
        "create event": client.post("/events/new", data=event_form(title="Intrus")),
        "edit event": client.post(f"/events/{event_id}/edit", data=event_form(title="Intrus")),
        "add recommendation": client.post(f"/events/{event_id}/recommendations/new",
                                          data=recommendation_form(number="2")),
        "edit recommendation": client.post(f"/recommendations/{recommendation.id}/edit",
                                           data=recommendation_form(title="Intrus")),
    }

    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 403)
    db.session.expire_all()
    assert db.session.scalars(select(Event.title)).all() == ["Atelier national de l'ONM"]
    assert db.session.scalars(select(Recommendation.title)).all() == ["Titre d'origine"]
    assert count(AuditEntry) == audit_before


def test_anonymous_visitors_are_sent_to_login_from_events(client, make_event):
    event = make_event()

    for url in ("/events", f"/events/{event.id}", "/events/new"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login"), url


@pytest.mark.parametrize("url", ["/events/999999", "/recommendations/999999",
                                 "/events/999999/edit", "/recommendations/999999/edit"])
def test_unknown_events_and_recommendations_are_not_found(client, coordinator, url):
    assert client.get(url).status_code == 404


def recommendation_progress_shown(response):
    match = re.search(r"<dt>Progress</dt><dd>(.*?)</dd>", response.get_data(as_text=True), re.S)
    assert match, "the recommendation page shows no progress"
    value = re.search(r'<span class="progress-value">(\d+)\s?%</span>', match.group(1))
    return int(value.group(1)) if value else None


def test_recommendation_shows_the_mean_progress_of_its_actions(client, coordinator,
                                                               make_recommendation, make_action):
    recommendation = make_recommendation()
    first = make_action(recommendation=recommendation, title="Créer un indicateur")
    second = make_action(recommendation=recommendation, title="Former les journalistes")

    for action, progress in ((first, 30), (second, 80)):
        response = client.post(f"/actions/{action.id}/update", data={
            "status": "in_progress", "progress": str(progress), "comment": "Avancement",
            "version": str(action.version)})
        assert response.status_code == 302

    page = client.get(f"/recommendations/{recommendation.id}")
    assert page.status_code == 200
    assert recommendation_progress_shown(page) == 55


def test_cancelled_actions_do_not_count_in_a_recommendations_progress(
        client, coordinator, make_recommendation, make_action):
    recommendation = make_recommendation()
    kept = make_action(recommendation=recommendation, title="Créer un indicateur")
    dropped = make_action(recommendation=recommendation, title="Campagne abandonnée")
    pending = make_action(recommendation=recommendation, title="Pas encore commencée")
    record_update(coordinator, kept, None, Change(status=Status.IN_PROGRESS, progress=40))
    record_update(coordinator, dropped, None, Change(
        status=Status.CANCELLED, progress=100, comment="Abandonnée faute de financement"))
    db.session.commit()

    page = client.get(f"/recommendations/{recommendation.id}")

    assert pending.progress == 0
    assert recommendation_progress_shown(page) == 20


def test_a_recommendation_without_actions_shows_no_progress(client, coordinator,
                                                            make_recommendation):
    recommendation = make_recommendation()

    page = client.get(f"/recommendations/{recommendation.id}")

    assert page.status_code == 200
    assert recommendation_progress_shown(page) is None
