"""Each page, with the stylesheets and scripts it links, stays light enough for a phone on a
slow connection: 60 KB gzipped for a focal point's pages, the action page first."""

from __future__ import annotations

import gzip
import re
from datetime import date, timedelta

import pytest

from tracker.actions.services import Change, record_update
from tracker.extensions import db
from tracker.models import Role

# Budgets in bytes, gzipped (what goes over the wire), HTML plus its own CSS and JS.
BUDGET = 60 * 1024
ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src)="(/static/[^"?]+)')


def page_weight(client, path: str) -> dict[str, int]:
    """Return the gzipped size of a page and of each stylesheet and script it links."""
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.get_data()
    sizes = {path: len(gzip.compress(html))}
    for asset in ASSET.findall(html.decode()):
        asset_response = client.get(asset)
        sizes[asset] = len(gzip.compress(asset_response.get_data()))
        asset_response.close()
    return sizes


@pytest.fixture
def busy_action(make_user, make_institution, make_action, make_recommendation):
    """An action with the long history a year of monthly news leaves, and its owner."""
    onm = make_institution("ONM", "Observatoire National de la Migration")
    focal = make_user(Role.FOCAL_POINT, institution=onm)
    action = make_action(owner=focal, lead_institution=onm,
                         title="Cartographier les sources de données migratoires",
                         recommendation=make_recommendation(),
                         deadline=date.today() + timedelta(days=20))
    for month in range(12):
        record_update(focal, action, action.version, Change(
            progress=5 * (month + 1),
            comment=f"Mois {month + 1} : trois ministères consultés, la liste des sources "
                    "est partagée avec l'équipe du recensement."))
    db.session.commit()
    for _ in range(22):
        make_action(owner=focal, lead_institution=onm, recommendation=action.recommendation)
    return focal, action


@pytest.mark.parametrize("path", ["/actions/{action}", "/my-actions", "/actions", "/dashboard",
                                  "/profile", "/login"])
def test_a_page_with_its_css_and_js_stays_under_the_budget(client, auth, busy_action, path):
    focal, action = busy_action
    if path != "/login":
        auth.login(focal)
    sizes = page_weight(client, path.format(action=action.id))
    assert any(name.endswith(".css") for name in sizes)
    assert sum(sizes.values()) <= BUDGET, sizes


def test_a_form_with_pickers_stays_under_the_budget_and_only_it_loads_them(
        client, auth, busy_action, make_user):
    """The picker's script and styles (Tom Select, some 20 KB gzipped) come with the forms
    that have a multiple select, and with no other page."""
    focal, action = busy_action
    auth.login(make_user(Role.COORDINATOR))
    for path in (f"/actions/{action.id}/edit",
                 f"/recommendations/{action.recommendation_id}/edit"):
        sizes = page_weight(client, path)
        assert any("tom-select" in name for name in sizes), path
        assert any(name.endswith("/picker.js") for name in sizes), path
        assert sum(sizes.values()) <= BUDGET, sizes
    for path in (f"/actions/{action.id}", "/actions", "/dashboard"):
        assert not any("tom-select" in name for name in page_weight(client, path)), path
