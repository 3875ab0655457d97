"""Planning actions and recording their progress, as coordinators and focal points do."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Action, ActionUpdate, Role, Status, UpdateKind


def _update(client, action, **data):
    data.setdefault("version", action.version)
    data.setdefault("comment", "")
    return client.post(f"/actions/{action.id}/update", data=data)


def test_coordinator_breaks_a_recommendation_into_an_assigned_action(
        client, auth, make_user, make_recommendation, make_institution):
    coordinator = make_user(Role.COORDINATOR)
    lead = make_institution("ONM", "Observatoire National de la Migration")
    helper = make_institution("INS", "Institut National de la Statistique")
    owner = make_user(Role.FOCAL_POINT, institution=lead)
    recommendation = make_recommendation()
    auth.login(coordinator)

    response = client.post(f"/recommendations/{recommendation.id}/actions/new", data={
        "title": "Publier un tableau de bord des indicateurs",
        "description": "Premier tableau trimestriel.",
        "owner": owner.id, "lead_institution": lead.id, "contributors": [helper.id],
        "start_date": "2026-01-05", "deadline": "2026-06-30",
    })

    assert response.status_code == 302
    action = db.session.scalar(select(Action))
    assert action.owner_id == owner.id and action.lead_institution_id == lead.id
    assert [c.code for c in action.contributors] == ["INS"]
    assert action.deadline == date(2026, 6, 30) and action.status == Status.NOT_STARTED
    assert [u.kind for u in action.updates] == [UpdateKind.CREATED]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Publier un tableau de bord des indicateurs" in page


def test_action_form_refuses_bad_input_next_to_the_fields(
        client, auth, make_user, make_recommendation, make_institution):
    coordinator = make_user(Role.COORDINATOR)
    owner = make_user(Role.FOCAL_POINT)
    recommendation = make_recommendation()
    auth.login(coordinator)
    valid = {"title": "Former les journalistes", "owner": owner.id,
             "lead_institution": owner.institution_id, "deadline": "2026-06-30"}
    cases = {
        "deadline before start": {"start_date": "2026-07-01"},
        "missing title": {"title": ""},
        "title too long": {"title": "x" * 301},
        "unknown owner": {"owner": "999999"},
        "owner not a number": {"owner": "abc"},
        "unknown institution": {"lead_institution": "999999"},
        "unknown contributor": {"contributors": ["999999"]},
        "bad date": {"deadline": "2026-02-31"},
        "missing deadline": {"deadline": ""},
    }
    for name, change in cases.items():
        response = client.post(f"/recommendations/{recommendation.id}/actions/new",
                               data={**valid, **change})
        assert response.status_code == 422, name
        assert 'class="errors"' in response.get_data(as_text=True), name
    assert db.session.scalars(select(Action)).all() == []


def test_focal_point_records_progress_and_it_enters_the_history(client, auth, make_action):
    action = make_action()
    auth.login(action.owner)

    response = _update(client, action, status="in_progress", progress="40",
                       comment="Termes de référence validés.")

    assert response.status_code == 302
    db.session.refresh(action)
    assert (action.status, action.progress) == (Status.IN_PROGRESS, 40)
    entry = db.session.scalars(select(ActionUpdate).where(
        ActionUpdate.kind == UpdateKind.PROGRESS)).one()
    assert entry.author_id == action.owner_id
    assert (entry.old_status, entry.new_status) == (Status.NOT_STARTED, Status.IN_PROGRESS)
    assert (entry.old_progress, entry.new_progress) == (0, 40)
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "Termes de référence validés." in page


def test_a_focal_points_completion_waits_for_validation_at_100(client, auth, make_action):
    action = make_action()
    auth.login(action.owner)
    assert _update(client, action, status="completed", progress="60").status_code == 302
    db.session.refresh(action)
    assert (action.status, action.progress) == (Status.PENDING_VALIDATION, 100)


def test_a_coordinators_completion_is_final(client, auth, make_action, make_user):
    action = make_action()
    auth.login(make_user(Role.COORDINATOR))
    assert _update(client, action, status="completed", progress="60").status_code == 302
    db.session.refresh(action)
    assert (action.status, action.progress) == (Status.COMPLETED, 100)


def test_progress_outside_0_to_100_is_refused(client, auth, make_action):
    action = make_action()
    auth.login(action.owner)
    for progress in ("101", "-1", "abc", ""):
        response = _update(client, action, status="in_progress", progress=progress)
        assert response.status_code == 422, progress
    response = _update(client, action, status="finished", progress="10")
    assert response.status_code == 422
    db.session.refresh(action)
    assert (action.status, action.progress, action.version) == (Status.NOT_STARTED, 0, 1)


def test_an_update_that_changes_nothing_is_refused(client, auth, make_action):
    action = make_action()
    auth.login(action.owner)
    response = _update(client, action, status="not_started", progress="0")
    assert response.status_code == 422
    assert db.session.scalars(select(ActionUpdate).where(
        ActionUpdate.kind == UpdateKind.PROGRESS)).all() == []


def test_focal_point_may_update_an_action_of_their_institution(
        client, auth, make_action, make_user):
    action = make_action()
    colleague = make_user(Role.FOCAL_POINT, institution=action.lead_institution)
    auth.login(colleague)
    assert _update(client, action, status="in_progress", progress="10").status_code == 302


def test_focal_point_of_another_institution_and_viewer_are_refused(
        client, auth, make_action, make_user):
    action = make_action()
    for user in (make_user(Role.FOCAL_POINT), make_user(Role.VIEWER)):
        auth.login(user)
        page = client.get(f"/actions/{action.id}").get_data(as_text=True)
        assert "Record an update" not in page and "Enregistrer" not in page
        assert _update(client, action, status="completed", progress="100").status_code == 403
        auth.logout()
    db.session.refresh(action)
    assert action.status == Status.NOT_STARTED


def test_second_of_two_concurrent_saves_is_refused_and_nothing_overwritten(
        app, make_action, make_user):
    action = make_action()
    coordinator = make_user(Role.COORDINATOR)
    first, second = app.test_client(), app.test_client()
    for client_, user in ((first, action.owner), (second, coordinator)):
        client_.post("/login", data={"email": user.email, "password": "correct horse battery"})
    seen_version = action.version
    first_response = first.post(f"/actions/{action.id}/update", data={
        "version": seen_version, "status": "in_progress", "progress": "30", "comment": "A"})
    second_response = second.post(f"/actions/{action.id}/update", data={
        "version": seen_version, "status": "blocked", "progress": "0", "comment": "B"})

    assert first_response.status_code == 302
    assert second_response.status_code == 409
    assert "Someone else updated this action" in second_response.get_data(as_text=True)
    db.session.refresh(action)
    assert (action.status, action.progress) == (Status.IN_PROGRESS, 30)
    comments = db.session.scalars(select(ActionUpdate.comment).where(
        ActionUpdate.kind == UpdateKind.PROGRESS)).all()
    assert comments == ["A"]


def test_coordinator_edit_with_a_stale_version_is_refused(client, auth, make_action, make_user):
    action = make_action()
    auth.login(make_user(Role.COORDINATOR))
    form = {"title": "Nouveau titre", "owner": action.owner_id,
            "lead_institution": action.lead_institution_id,
            "deadline": action.deadline.isoformat(), "version": action.version}
    auth.client.post(f"/actions/{action.id}/update", data={
        "version": action.version, "status": "in_progress", "progress": "5", "comment": ""})
    response = client.post(f"/actions/{action.id}/edit", data=form)
    assert response.status_code == 409
    db.session.refresh(action)
    assert action.title == "Créer un indicateur"


def test_changing_the_deadline_and_owner_is_kept_in_the_history(
        client, auth, make_action, make_user):
    action = make_action()
    new_owner = make_user(Role.FOCAL_POINT, institution=action.lead_institution)
    auth.login(make_user(Role.COORDINATOR))
    old_deadline, old_owner_id = action.deadline, action.owner_id
    new_deadline = old_deadline + timedelta(days=60)
    response = client.post(f"/actions/{action.id}/edit", data={
        "title": action.title, "owner": new_owner.id,
        "lead_institution": action.lead_institution_id,
        "deadline": new_deadline.isoformat(), "version": action.version})
    assert response.status_code == 302
    entry = db.session.scalars(select(ActionUpdate).where(
        ActionUpdate.kind == UpdateKind.EDITED)).one()
    assert entry.changes["deadline"] == [old_deadline.isoformat(), new_deadline.isoformat()]
    assert entry.changes["owner"] == [old_owner_id, new_owner.id]


def test_my_actions_shows_own_actions_first_then_the_institutions(
        client, auth, make_action, make_user, make_institution):
    institution = make_institution("ONM")
    me = make_user(Role.FOCAL_POINT, institution=institution)
    colleague = make_user(Role.FOCAL_POINT, institution=institution)
    make_action(owner=colleague, title="Action de la collègue")
    make_action(owner=me, title="Mon action")
    make_action(title="Action d'une autre institution")
    auth.login(me)
    page = client.get("/my-actions").get_data(as_text=True)
    assert page.index("Mon action") < page.index("Action de la collègue")
    assert "Action d'une autre institution" not in page


def test_overdue_actions_are_marked_and_filterable(client, auth, make_action, make_user):
    late = make_action(title="Action en retard", start_date=None,
                       deadline=date.today() - timedelta(days=10))
    done = make_action(title="Action finie à temps", deadline=date.today() - timedelta(days=5))
    make_action(title="Action à venir", deadline=date.today() + timedelta(days=5))
    auth.login(done.owner)
    _update(client, done, status="completed", progress="100")
    auth.logout()
    auth.login(make_user(Role.VIEWER))
    page = client.get("/actions?overdue=1").get_data(as_text=True)
    assert late.title in page
    assert "Action finie à temps" not in page and "Action à venir" not in page


def test_a_filtered_list_keeps_its_choices_selected_in_the_menus(
        client, auth, make_action, make_user, make_recommendation):
    action = make_action(title="Former les journalistes")
    other = make_action(title="Créer un indicateur")
    rec = action.recommendation
    auth.login(make_user(Role.VIEWER))
    url = (f"/actions?event={rec.event_id}&institution={action.lead_institution_id}"
           f"&owner={action.owner_id}&status=not_started&sort=title")
    page = client.get(url).get_data(as_text=True)

    for menu, value in (("event", rec.event_id), ("institution", action.lead_institution_id),
                        ("owner", action.owner_id), ("status", "not_started"),
                        ("sort", "title")):
        select_html = re.search(rf'<select id="{menu}" name="{menu}">(.*?)</select>', page,
                                re.S).group(1)
        assert re.findall(r'<option value="([^"]*)" ?selected>', select_html) == [str(value)]
    assert "Former les journalistes" in page and other.title not in page
    # The recommendations page offers the same menus, with its own choices selected.
    page = client.get(f"/recommendations?institution={other.lead_institution_id}"
                      ).get_data(as_text=True)
    assert f'<option value="{other.lead_institution_id}" selected>' in page
    assert f'<option value="{action.lead_institution_id}" selected>' not in page


def test_recommendation_progress_is_the_mean_of_its_actions_not_cancelled(
        client, auth, make_action, make_recommendation, make_user):
    recommendation = make_recommendation(title="Créer des indicateurs")
    owner = make_user(Role.FOCAL_POINT)
    actions = [make_action(owner=owner, recommendation=recommendation, title=f"A{i}")
               for i in range(3)]
    auth.login(owner)
    _update(client, actions[0], status="in_progress", progress="50")
    _update(client, actions[1], status="completed", progress="100")
    # The owner proposes to cancel the third; a coordinator accepts.
    _update(client, actions[2], status="cancelled", progress="10", comment="Sans objet.")
    db.session.refresh(actions[2])
    assert actions[2].status == Status.PENDING_CANCELLATION
    auth.logout()
    auth.login(make_user(Role.COORDINATOR))
    assert client.post(f"/actions/{actions[2].id}/cancellation", data={
        "decision": "accept", "version": actions[2].version}).status_code == 302
    page = client.get(f"/recommendations/{recommendation.id}").get_data(as_text=True)
    assert 'value="75"' in page  # (50 + 100) / 2; the cancelled action does not count


def test_missing_objects_give_404(client, auth, make_user):
    auth.login(make_user(Role.COORDINATOR))
    for url in ("/actions/999999", "/actions/999999/edit", "/recommendations/999999/actions/new"):
        assert client.get(url).status_code == 404, url
    assert client.post("/actions/999999/update", data={}).status_code == 404


def test_each_line_of_the_list_links_its_action_and_names_the_institution_in_the_readers_language(
        app, client, auth, coordinator, make_action, make_institution):
    lead = make_institution("MAE", "Ministère des Affaires étrangères")
    lead.name_en, lead.name_ar = "Ministry of Foreign Affairs", "وزارة الشؤون الخارجية"
    db.session.commit()
    actions = [make_action(lead_institution=lead, title=f"Action {n}") for n in (1, 2)]
    with app.test_request_context():
        links = [(url_for("actions.show", action_id=a.id),
                  url_for("events.show_recommendation", recommendation_id=a.recommendation_id))
                 for a in actions]
    auth.login(coordinator)

    for locale, name in (("fr", "Ministère des Affaires étrangères"),
                         ("en", "Ministry of Foreign Affairs"), ("ar", "وزارة الشؤون الخارجية")):
        client.post("/language", data={"locale": locale, "next": "/actions"})
        page = client.get("/actions").get_data(as_text=True)
        assert page.count(f'<abbr title="{name}">MAE</abbr>') == 2, locale
        for action_link, recommendation_link in links:
            assert f'<a href="{action_link}" dir="auto">' in page
            assert f'<a href="{recommendation_link}">' in page
        shown = client.get(links[0][1]).get_data(as_text=True)
        assert f'<abbr title="{name}">MAE</abbr>' in shown and f'href="{links[0][0]}"' in shown
