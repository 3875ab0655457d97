"""The recommendation list: progress, filters in the URL, search, sort."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import GcmObjective, Role, Theme


def test_recommendations_filter_by_theme_gcm_search_and_overdue(
        client, auth, make_user, make_recommendation, make_action, make_event):
    theme = db.session.scalar(select(Theme).where(Theme.code == "indicators"))
    data_objective = db.session.get(GcmObjective, 1)
    event = make_event()
    indicators = make_recommendation(event=event, title="Créer des indicateurs adaptés",
                                     theme=theme, gcm_objectives=[data_objective])
    journalists = make_recommendation(event=event, title="Former les journalistes",
                                      text="Discours public sur la migration")
    make_action(recommendation=journalists, deadline=date.today() - timedelta(days=2))
    auth.login(make_user(Role.VIEWER))

    def titles(query: str) -> set[str]:
        page = client.get("/recommendations" + query).get_data(as_text=True)
        return {t for t in (indicators.title, journalists.title) if t in page}

    assert titles("") == {indicators.title, journalists.title}
    assert titles(f"?theme={theme.id}") == {indicators.title}
    assert titles("?gcm=1") == {indicators.title}
    assert titles("?q=discours") == {journalists.title}
    assert titles("?overdue=1") == {journalists.title}
    assert titles("?q=%25") == set()  # a LIKE wildcard is matched literally
    assert titles("?theme=abc&gcm=zz&sort=nonsense") == {indicators.title, journalists.title}


def test_recommendations_sort_by_progress(client, auth, make_user, make_recommendation,
                                          make_action):
    low = make_recommendation(title="Recommandation peu avancée")
    high = make_recommendation(title="Recommandation avancée")
    coordinator = make_user(Role.COORDINATOR)
    action = make_action(recommendation=high)
    make_action(recommendation=low)
    auth.login(coordinator)
    client.post(f"/actions/{action.id}/update", data={
        "status": "in_progress", "progress": "80", "comment": "", "version": action.version})
    page = client.get("/recommendations?sort=-progress").get_data(as_text=True)
    assert page.index(high.title) < page.index(low.title)
    page = client.get("/recommendations?sort=progress").get_data(as_text=True)
    assert page.index(low.title) < page.index(high.title)
