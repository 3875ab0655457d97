"""French first, English available, Arabic right to left."""

from __future__ import annotations

from tracker.models import Role


def test_pages_are_in_french_by_default(client):
    page = client.get("/login", headers={"Accept-Language": ""}).get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in page
    assert "Se connecter" in page


def test_browser_language_is_followed(client):
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en" dir="ltr">' in page.get_data(as_text=True)
    assert "Sign in" in page.get_data(as_text=True)


def test_arabic_pages_are_right_to_left(client):
    page = client.get("/login", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page


def test_language_switch_keeps_the_user_on_the_same_page_and_is_remembered(
        client, auth, make_user):
    user = make_user(Role.VIEWER)
    auth.login(user)
    response = client.post("/language", data={"locale": "en", "next": "/events?x=1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/events?x=1"
    assert '<html lang="en"' in client.get("/events").get_data(as_text=True)
    assert user.locale == "en"


def test_language_switch_refuses_unknown_locales_and_foreign_next(client):
    assert client.post("/language", data={"locale": "xx"}).status_code == 400
    response = client.post("/language", data={"locale": "en", "next": "//evil.example"})
    assert response.headers["Location"] == "/"
