"""French first, English available, Arabic right to left."""

from __future__ import annotations

from datetime import date

import pytest

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


def test_language_switch_without_a_locale_changes_nothing(client, auth, make_user):
    user = make_user(Role.VIEWER, locale="fr")
    auth.login(user)
    assert client.post("/language", data={"next": "/events"}).status_code == 400
    assert client.post("/language", data={"locale": ""}).status_code == 400
    assert user.locale == "fr"
    assert '<html lang="fr"' in client.get("/events").get_data(as_text=True)


def test_deadlines_show_a_relative_phrase_in_the_readers_language(
        client, auth, make_user, make_action):
    from datetime import date, timedelta

    action = make_action(deadline=date.today() + timedelta(days=3))
    late = make_action(deadline=date.today() - timedelta(days=5))
    auth.login(make_user(Role.VIEWER))
    assert "in 3 days" in client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "overdue by 5 days" in client.get(f"/actions/{late.id}").get_data(as_text=True)
    french = client.get(f"/actions/{action.id}", headers={"Accept-Language": "fr"})
    assert "dans 3\xa0jours" in french.get_data(as_text=True)  # number and unit kept together


SAMPLE_SOURCE_STRINGS = ["My actions", "Dashboard", "Sign out", "Record an update",
                         "Lead institution", "History", "Save the update", "Events"]


@pytest.mark.parametrize("locale", ["fr", "ar"])
def test_main_pages_hold_no_untranslated_source_string(client, auth, make_user, make_action,
                                                      locale):
    action = make_action()
    user = make_user(Role.COORDINATOR, locale=locale)
    auth.login(user)
    for url in ("/my-actions", "/actions", f"/actions/{action.id}", "/events",
                f"/events/{action.recommendation.event_id}", "/dashboard", "/review"):
        page = client.get(url).get_data(as_text=True)
        found = [s for s in SAMPLE_SOURCE_STRINGS if f">{s}<" in page or f"{s}</" in page]
        assert not found, (url, found)
        if locale == "ar":
            assert 'dir="rtl"' in page


def test_rendering_an_arabic_email_leaves_web_pages_in_their_language(
        app, client, make_user):
    from tracker.reminders.rendering import render_email

    with app.test_request_context():
        render_email("weekly_digest", make_user(Role.FOCAL_POINT, locale="ar"),
                     overdue=[], due_soon=[], later=[], pending=[], day=None,
                     my_actions_url="http://x", unsubscribe_url="http://y")
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Sign in" in page


def test_a_language_forced_inside_a_request_is_obeyed_and_then_given_back(app):
    """Templates, statuses and dates look the page's language up once and keep it; a
    language forced for an email or a report in the middle of the request still wins, and
    the page's own language comes back after it."""
    from flask import render_template_string
    from flask_babel import force_locale

    from tracker.models import Status

    page = "{{ _('Sign in') }}|{{ status.label }}|{{ day|date }}"
    values = {"status": Status.COMPLETED, "day": date(2026, 12, 3)}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        before = render_template_string(page, **values)
        with force_locale("ar"):
            forced = render_template_string(page, **values)
            with force_locale("fr"):
                nested = render_template_string(page, **values)
        after = render_template_string(page, **values)
    assert before == after == "Sign in|Completed|3 Dec 2026"
    assert forced.startswith("تسجيل الدخول|") and "ديسمبر" in forced
    assert nested == "Se connecter|Terminée|3 déc. 2026"


def test_template_texts_are_formatted_and_escaped_as_jinja_formats_them(app):
    """A template's `_()` reads a text's translation once per language, and gives what
    Jinja's new-style gettext gives: the template's own text kept, `%%` made `%`, values
    escaped where the template escapes, and the same again on the next call."""
    from flask import render_template_string

    page = ("{{ _('Sign in') }}|{{ _('50%% <b>done</b>') }}|{{ _('Hi %(name)s', name=name) }}"
            "{% autoescape false %}|{{ _('50%% <b>done</b>') }}|{{ _('Hi %(name)s', name=name) }}"
            "{% endautoescape %}")
    for _ in range(2):
        with app.test_request_context(headers={"Accept-Language": "fr"}):
            shown = render_template_string(page, name="<i>Sami</i>")
        assert shown == ("Se connecter|50% <b>done</b>|Hi &lt;i&gt;Sami&lt;/i&gt;"
                         "|50% <b>done</b>|Hi <i>Sami</i>")
