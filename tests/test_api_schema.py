"""The API keeps to its OpenAPI description: schemathesis generates requests from it.

Run in-process against the WSGI app, with a coordinator's token (who may use every
operation), over a small world of events, recommendations, actions and indicators.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks
from sqlalchemy import select

from tracker.api import tokens
from tracker.extensions import db
from tracker.models import Action, Event, Indicator, Measurement, Recommendation, Role


@pytest.fixture
def api_token(app, make_user, make_action, make_institution):
    """Return a coordinator's token over a few actions, one overdue, one with an indicator."""
    # Hundreds of generated requests in a few seconds: not what the limit is for.
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    onm = make_institution("ONM")
    focal = make_user(Role.FOCAL_POINT, institution=onm)
    action = make_action(owner=focal, deadline=date.today() - timedelta(days=5))
    make_action(owner=focal, recommendation=action.recommendation)
    make_action()
    indicator = Indicator(action_id=action.id, name="Rapports publiés", baseline_value=0,
                          baseline_date=date(2024, 1, 1), target_value=4,
                          target_date=date(2026, 1, 1))
    db.session.add(indicator)
    db.session.flush()
    db.session.add(Measurement(indicator_id=indicator.id, value=1.5,
                               measured_on=date(2024, 6, 1)))
    coordinator = make_user(Role.COORDINATOR)
    _token, secret = tokens.create_token(coordinator, coordinator, "schemathesis")
    db.session.commit()
    return secret


def _operations(app):
    def fresh_context(environ, start_response):
        # Each request in an app context of its own, as in production (and as conftest's
        # Client does): the test's context would otherwise share `g`, where Flask-Login
        # keeps the user, from one request to the next.
        with app.app_context():
            return app(environ, start_response)

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fresh_context)
    return [result.ok() for result in schema.get_all_operations()]


def _run(strategy, token: str, max_examples: int) -> None:
    """Send `max_examples` generated requests and validate each response."""

    @settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case):
        # Schema-valid is not always acceptable: a filter naming an institution that does
        # not exist, or an update that changes nothing, is refused with 422 by design
        # (tests/test_api.py covers both), which this check would count as a failure.
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                               excluded_checks=[checks.positive_data_acceptance])

    check()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_answers_as_its_description_says(app, api_token, mode):
    """Any request, valid or not, gets an answer the description allows, and never a 500."""
    operations = _operations(app)
    assert len(operations) == 7
    for operation in operations:
        _run(operation.as_strategy(generation_mode=mode), api_token, max_examples=20)


def test_existing_resources_answer_as_the_description_says(app, api_token):
    """The same with ids that exist, so that the full documents are checked too."""
    ids = {"event_id": db.session.scalar(select(Event.id)),
           "recommendation_id": db.session.scalar(select(Recommendation.id)),
           "action_id": db.session.scalar(select(Action.id))}
    for operation in _operations(app):
        names = {p.name for p in operation.path_parameters}
        if names:
            _run(operation.as_strategy(path_parameters={n: ids[n] for n in names}),
                 api_token, max_examples=20)
