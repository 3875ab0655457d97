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
