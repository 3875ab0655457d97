"""The dashboard's figures are computed once and kept a short time, never showing stale work
to the person who just did it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy import update

from tests.conftest import count_queries
from tests.helpers import kpi
from tracker.extensions import cache, db
from tracker.models import Action, Role, Status

FIGURE_TABLES = re.compile(r"\b(action|action_update|indicator|measurement)\b")


def _dashboard(client, url: str = "/dashboard") -> tuple[str, list[str]]:
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True), statements


def _aggregates(statements: list[str]) -> list[str]:
    return [s for s in statements if FIGURE_TABLES.search(s)]


@pytest.fixture
def two_actions(make_action):
    """One action overdue, one due later: 50 % overdue."""
    from datetime import date

    late = make_action(title="Former les agents", deadline=date.today() - timedelta(days=3))
    later = make_action(title="Lancer l'enquête", deadline=date.today() + timedelta(days=60))
    return late, later


def _change_behind_the_trackers_back(action: Action, status: Status) -> None:
    """Write to the database without the tracker's session, as a hand-typed SQL would."""
    with db.engine.begin() as conn:
        conn.execute(update(Action.__table__).where(Action.__table__.c.id == action.id)
                     .values(status=status.value, progress=100))


def test_second_view_reads_the_figures_from_the_cache(client, auth, coordinator, two_actions):
    auth.login(coordinator)

    first, first_statements = _dashboard(client)
    second, second_statements = _dashboard(client)

    assert _aggregates(first_statements), "the first view computes the figures"
    assert _aggregates(second_statements) == []
    assert kpi(second, "overdue") == kpi(first, "overdue") == "50%"
    assert re.search(r"Figures as of [^<]*\d{1,2}:\d{2}", second)


def test_update_made_in_the_tracker_shows_at_once(client, auth, coordinator, two_actions):
    late, _ = two_actions
    auth.login(coordinator)
    assert kpi(_dashboard(client)[0], "completed") == "0%"

    response = client.post(f"/actions/{late.id}/update", data={
        "status": "completed", "progress": "100", "comment": "", "version": late.version})
    assert response.status_code == 302

    page, statements = _dashboard(client)
    assert _aggregates(statements), "a change makes the figures be computed again"
    assert kpi(page, "completed") == "50%"
    assert kpi(page, "overdue") == "0%"


def test_change_made_outside_the_tracker_shows_once_the_figures_expire(
        app, client, auth, coordinator, two_actions):
    late, _ = two_actions
    auth.login(coordinator)
    assert kpi(_dashboard(client)[0], "completed") == "0%"

    _change_behind_the_trackers_back(late, Status.COMPLETED)
    assert kpi(_dashboard(client)[0], "completed") == "0%"  # kept: the cache cannot know

    seconds = app.config["DASHBOARD_CACHE_SECONDS"]
    with time_machine.travel(timedelta(seconds=seconds + 1)):
        assert kpi(_dashboard(client)[0], "completed") == "50%"


def test_figures_are_kept_apart_by_event_and_by_language(
        client, auth, coordinator, make_action, make_event, make_recommendation):
    from datetime import date

    workshop, forum = make_event("Atelier ONM"), make_event("Forum")
    make_action(recommendation=make_recommendation(event=workshop),
                deadline=date.today() - timedelta(days=2))
    make_action(recommendation=make_recommendation(event=forum))
    auth.login(coordinator)

    assert kpi(_dashboard(client)[0], "overdue") == "50%"
    assert kpi(_dashboard(client, f"/dashboard?event={workshop.id}")[0], "overdue") == "100%"
    assert kpi(_dashboard(client, f"/dashboard?event={forum.id}")[0], "overdue") == "0%"
    english = _dashboard(client)[0]
    french = client.get("/dashboard", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Actions by status" in english
    assert "Actions by status" not in french


def test_every_role_sees_the_same_figures(client, auth, coordinator, two_actions, make_user):
    viewer = make_user(Role.VIEWER)
    auth.login(coordinator)
    seen_by_coordinator = _dashboard(client)[0]
    auth.logout()
    auth.login(viewer)

    page, statements = _dashboard(client)

    assert _aggregates(statements) == []
    for name in ("completed", "overdue", "on-track", "awaiting-news", "stale"):
        assert kpi(page, name) == kpi(seen_by_coordinator, name)


def test_cache_can_be_turned_off(app, client, auth, coordinator, two_actions):
    app.config["DASHBOARD_CACHE_SECONDS"] = 0
    auth.login(coordinator)
    _dashboard(client)

    _change_behind_the_trackers_back(two_actions[0], Status.COMPLETED)
    page, statements = _dashboard(client)

    assert _aggregates(statements)
    assert kpi(page, "completed") == "50%"


def test_dashboard_still_works_when_the_cache_server_is_down(
        app, client, auth, coordinator, two_actions, caplog):
    # Nothing listens on the discard port: every cache call fails at once.
    cache.init_app(app, config={"CACHE_TYPE": "RedisCache",
                                "CACHE_REDIS_URL": "redis://127.0.0.1:9/0"})
    auth.login(coordinator)

    page, statements = _dashboard(client)

    assert kpi(page, "overdue") == "50%"
    assert _aggregates(statements)
    assert "figures cache unavailable" in caplog.text


def test_list_filter_menus_are_cached_and_follow_new_events_and_languages(
        client, auth, coordinator, two_actions, make_event):
    auth.login(coordinator)
    client.get("/actions")
    with count_queries() as statements:
        page = client.get("/actions").get_data(as_text=True)
    # Menus cached: no event rows are read (the list's own archive clause selects only ids).
    assert not [s for s in statements if re.search(r"SELECT event\.id, event\.ref\b", s)]
    assert "Atelier de suivi du Pacte mondial" not in page

    event = make_event(title="Atelier de suivi du Pacte mondial")
    page = client.get("/actions").get_data(as_text=True)
    assert f'<option value="{event.id}">Atelier de suivi du Pacte mondial</option>' in page

    french = client.get("/actions", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    arabic = client.get("/actions", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert "Systèmes d&#39;information" in french or "Systèmes d'information" in french
    assert "Systèmes d" not in arabic and 'dir="rtl"' in arabic


def test_an_action_list_is_counted_once_until_something_changes(
        client, auth, coordinator, two_actions, make_action):
    auth.login(coordinator)
    counts = re.compile(r"count\(\*\)", re.I)

    with count_queries() as first:
        assert "2 actions" in client.get("/actions?q=a").get_data(as_text=True)
    with count_queries() as resorted:  # another order or page: the same matches
        assert "2 actions" in client.get("/actions?q=a&sort=title").get_data(as_text=True)
    assert [s for s in first if counts.search(s)]
    assert not [s for s in resorted if counts.search(s)]

    make_action(title="Traduire le guide")
    with count_queries() as after_write:
        assert "3 actions" in client.get("/actions?q=a&sort=title").get_data(as_text=True)
    assert [s for s in after_write if counts.search(s)]
    assert "1 action<" in client.get("/actions?q=Traduire").get_data(as_text=True)


def test_a_cache_that_kept_nothing_never_serves_figures_from_before_a_change(
        client, auth, coordinator, two_actions):
    # As with a cache server that restarted empty, or one that keeps nothing: no data
    # generation to tell the workers' own copies that something changed.
    late, _ = two_actions
    auth.login(coordinator)
    cache.clear()
    assert kpi(_dashboard(client)[0], "completed") == "0%"

    _change_behind_the_trackers_back(late, Status.COMPLETED)
    cache.clear()
    assert kpi(_dashboard(client)[0], "completed") == "50%"


def test_a_list_count_from_before_a_change_hides_no_page(app, client, auth, coordinator,
                                                         two_actions):
    app.config["PER_PAGE"] = 2
    auth.login(coordinator)
    first = client.get("/actions").get_data(as_text=True)
    assert "2 actions" in first and 'rel="next"' not in first

    # A third action the count kept in the cache cannot know of (written without the
    # tracker, as another worker's write is to a cache of its own).
    late, _ = two_actions
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO action (recommendation_id, title, description, owner_id, "
            "lead_institution_id, start_date, deadline, status, progress, version, "
            "created_at, updated_at, last_news_on) SELECT recommendation_id, "
            "'Traduire le guide', description, owner_id, lead_institution_id, start_date, "
            "deadline, status, progress, version, created_at, updated_at, last_news_on "
            "FROM action WHERE id = :id"), {"id": late.id})

    page = client.get("/actions").get_data(as_text=True)
    assert "3 actions" in page
    assert 'rel="next"' in page
    both = page + client.get("/actions?page=2").get_data(as_text=True)
    for title in ("Former les agents", "Lancer l&#39;enquête", "Traduire le guide"):
        assert title in both
