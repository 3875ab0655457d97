"""List pages run a fixed number of SQL queries, however many rows they show."""

from __future__ import annotations

import pytest

from tests.conftest import count_queries
from tracker.extensions import db
from tracker.models import Role, Status


@pytest.fixture
def populate(make_action, make_user, make_recommendation, make_event, make_institution):
    """Create `n` actions spread over owners, institutions and recommendations."""
    event = make_event()

    def make(n: int):
        institutions = [make_institution() for _ in range(3)]
        owners = [make_user(Role.FOCAL_POINT, institution=i) for i in institutions]
        recommendations = [make_recommendation(event=event) for _ in range(3)]
        for i in range(n):
            action = make_action(owner=owners[i % 3], recommendation=recommendations[i % 3],
                                 contributors=[institutions[(i + 1) % 3]], title=f"Action {i}")
            if i % 2:  # some wait in the review queue
                action.status = Status.PENDING_VALIDATION
        db.session.commit()
        return event, owners[0]

    return make


def _queries(client, url: str) -> int:
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


@pytest.mark.parametrize("url", [
    "/actions", "/actions?overdue=1&q=Action&sort=-progress", "/my-actions", "/events",
    "/events/{event}", "/recommendations", "/recommendations?sort=overdue&overdue=1",
    "/review"])
def test_list_pages_run_the_same_number_of_queries_for_few_or_many_rows(
        url, client, auth, populate, make_user):
    event, owner = populate(3)
    auth.login(make_user(Role.COORDINATOR) if url == "/review" else owner)
    few = _queries(client, url.format(event=event.id))
    populate(30)
    many = _queries(client, url.format(event=event.id))
    assert few == many


def test_an_action_page_runs_the_same_number_of_queries_for_a_short_or_long_history(
        client, auth, make_action, make_user):
    action = make_action(title="Former les journalistes")
    coordinator = make_user(Role.COORDINATOR)
    colleague = make_user(Role.FOCAL_POINT, institution=action.owner.institution)

    def comment(times: int) -> None:
        # Each update by another author, each with a link as evidence.
        for n in range(times):
            auth.login([action.owner, colleague, coordinator][n % 3])
            db.session.refresh(action)
            response = client.post(f"/actions/{action.id}/update", data={
                "status": "in_progress", "progress": str(action.progress),
                "comment": f"Point {n}", "version": action.version,
                "links": f"https://example.org/compte-rendu-{n}"})
            assert response.status_code == 302, response.get_data(as_text=True)
            auth.logout()

    def refused_update() -> int:
        # A refused update shows the page again, with the form's errors.
        db.session.refresh(action)
        version = action.version
        token = client.csrf_token()  # read first: the client asks a page for it
        db.session.expire_all()  # nothing read before the request is reused by it
        with count_queries() as statements:
            response = client.post(f"/actions/{action.id}/update", csrf=False, data={
                "status": "in_progress", "progress": "150", "comment": "",
                "version": version, "csrf_token": token})
        assert response.status_code == 422
        return len(statements)

    comment(2)
    auth.login(coordinator)
    short = _queries(client, f"/actions/{action.id}")
    short_refused = refused_update()
    auth.logout()
    comment(15)
    auth.login(coordinator)
    long = _queries(client, f"/actions/{action.id}")
    assert refused_update() == short_refused
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert page.count("https://example.org/compte-rendu-") == 17 * 2  # link text and href
    assert short == long, (short, long)
