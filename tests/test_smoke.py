from tracker.models import Role


def test_focal_point_lands_on_my_actions(client, auth, make_user):
    user = make_user(Role.FOCAL_POINT)
    response = auth.login(user)
    assert response.status_code == 302
    assert client.get("/").headers["Location"].endswith("/my-actions")
