"""Page numbers, ids and integer filters from URLs: never a server error, whatever they say."""

from __future__ import annotations

import pytest

from tracker.extensions import db
from tracker.models import MessageKind, OutboxMessage, Role

HUGE = "99999999999999999999999"
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture
def world(client, auth, make_user, make_event, make_recommendation, make_action):
    """An admin, logged in, and one row on each paged list."""
    admin = make_user(Role.ADMIN, email="admin@example.org")
    event = make_event(title="Atelier des paramètres", is_public=True)
    recommendation = make_recommendation(event, title="Lire les nombres une seule fois")
    action = make_action(recommendation=recommendation, title="Borner les numéros de page")
    db.session.add(OutboxMessage(key="args-1", kind=MessageKind.NOTIFICATION,
                                 to_email="amel@onm.tn", subject="Un courriel en attente",
                                 body_text="Bonjour", body_html="<p>Bonjour</p>"))
    db.session.commit()
    assert auth.login(admin).status_code == 302
    return {"event": event, "recommendation": recommendation, "action": action}


LISTS = [
    ("/actions", "Borner les numéros de page"),
    ("/events", "Atelier des paramètres"),
    ("/recommendations", "Lire les nombres une seule fois"),
    ("/admin/outbox", "Un courriel en attente"),
]


@pytest.mark.parametrize("path, row", LISTS)
@pytest.mark.parametrize("page", ["abc", "-1", "0", "²", "٣", "1.5", ""])
def test_a_page_number_that_is_not_one_shows_the_first_page(client, world, path, row, page):
    response = client.get(f"{path}?page={page}")
    assert response.status_code == 200
    assert row in response.get_data(as_text=True)


@pytest.mark.parametrize("path, row", LISTS)
@pytest.mark.parametrize("page", [HUGE, "2147483648", "9" * 5000])
def test_a_page_past_the_bound_is_an_empty_page_past_the_end(client, world, path, row, page):
    response = client.get(f"{path}?page={page}")
    assert response.status_code == 200
    assert row not in response.get_data(as_text=True)


FILTERS = ("institution", "event", "recommendation", "theme", "owner", "gcm")


@pytest.mark.parametrize("value", ["²", "٣", HUGE, "2147483648", "-1"])
@pytest.mark.parametrize("path", ["/actions", "/recommendations", "/dashboard",
                                  "/actions/export.csv"])
def test_an_integer_filter_that_is_not_an_id_is_ignored(client, world, path, value):
    response = client.get(path, query_string={name: value for name in FILTERS})
    assert response.status_code == 200
    if path in ("/actions", "/actions/export.csv"):
        assert "Borner les numéros de page" in response.get_data(as_text=True)


def test_an_integer_filter_in_range_still_filters(client, world):
    other = world["action"].recommendation.event_id + 1
    assert "Borner" in client.get(
        f"/actions?event={world['recommendation'].event_id}").get_data(as_text=True)
    assert "Borner" not in client.get(f"/actions?event={other}").get_data(as_text=True)


@pytest.mark.parametrize("template", [
    "/actions/{}", "/actions/{}/edit", "/events/{}", "/events/{}/report",
    "/recommendations/{}", "/admin/users/{}/edit", "/admin/outbox/{}", "/evidence/{}",
    "/public/events/{}", "/api/v1/actions/{}", "/api/v1/events/{}",
])
@pytest.mark.parametrize("key", [HUGE, "2147483648", "0", "9" * 5000])
def test_an_id_past_the_bound_is_not_found(client, world, template, key):
    assert client.get(template.format(key)).status_code == 404


@pytest.mark.parametrize("template", [
    "/actions/{}/update", "/actions/{}/review", "/extensions/{}/decision",
    "/events/{}/visibility", "/indicators/{}/delete", "/profile/api-tokens/{}/revoke",
])
def test_a_form_posted_to_an_id_past_the_bound_is_not_found(client, world, template):
    assert client.post(template.format(HUGE)).status_code == 404


def test_an_id_in_another_scripts_digits_is_not_found(client, world):
    action_id, event_id = world["action"].id, world["event"].id
    assert client.get(f"/actions/{action_id}").status_code == 200
    assert client.get(f"/actions/{str(action_id).translate(ARABIC_INDIC)}").status_code == 404
    assert client.get(f"/public/events/{event_id}").status_code == 200
    assert client.get(
        f"/public/events/{str(event_id).translate(ARABIC_INDIC)}").status_code == 404


def test_an_id_past_the_bound_is_not_found_on_a_public_page_without_an_account(
        client, world, auth):
    auth.logout()
    assert client.get(f"/public/events/{HUGE}").status_code == 404


def test_the_api_documents_its_ids_as_bounded_integers(client, world):
    spec = client.get("/api/v1/openapi.json").get_json()
    parameter = spec["paths"]["/api/v1/actions/{action_id}"]["parameters"][0]
    assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
