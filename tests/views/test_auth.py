
from marketplace.extensions import db
from marketplace.models import Role, User
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD, make_user


def test_sign_in_leads_to_the_dashboard_in_chinese(client, auth):
    user = make_user(Role.street)
    db.session.commit()
    response = auth.login(user.username)
    assert response.status_code == 302 and response.location == "/dashboard"
    page = client.get("/dashboard").get_data(as_text=True)
    assert "待办事项" in page and "您可以" in page and user.display_name in page


def test_wrong_password_shows_a_clear_message_and_keeps_the_username(client, auth):
    make_user(Role.resident, username="wangayi")
    db.session.commit()
    response = auth.login("wangayi", "wrong-password")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "用户名或密码错误。" in page and 'value="wangayi"' in page
    assert client.get("/dashboard").status_code == 302  # still anonymous


def test_unknown_user_gets_the_same_message(client, auth):
    response = auth.login("nobody-here", "whatever-1")
    assert response.status_code == 400 and "用户名或密码错误。" in response.get_data(as_text=True)


def test_empty_fields_are_reported_in_chinese(client):
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 400
    assert "该字段是必填字段" in response.get_data(as_text=True)


def test_missing_or_wrong_csrf_token_is_refused_politely(client):
    make_user(Role.resident, username="csrf-user")
    db.session.commit()
    for data in ({"username": "csrf-user", "password": PASSWORD},
                 {"username": "csrf-user", "password": PASSWORD, "csrf_token": "forged"}):
        response = client.post("/login", data=data)
        assert response.status_code == 400
        assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_a_tampered_session_cookie_is_ignored(app, client, auth):
    user = make_user(Role.admin)
    db.session.commit()
    auth.login(user.username)
    cookie = client.get_cookie("session")
    assert cookie is not None
    value = cookie.value
    forged = value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB")
    client.set_cookie("session", forged)
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.location


def test_logout_ends_every_session_of_the_user(app, auth):
    user = make_user(Role.secretary)
    db.session.commit()
    phone, laptop = app.test_client(), app.test_client()
    from tests.conftest import Auth

    Auth(phone).login(user.username)
    Auth(laptop).login(user.username)
    assert phone.get("/dashboard").status_code == 200
    Auth(laptop).post("/logout")
    assert laptop.get("/dashboard").status_code == 302
    assert phone.get("/dashboard").status_code == 302  # the other session ended too


def test_password_change_keeps_this_session_and_ends_the_others(app):
    from tests.conftest import Auth

    user = make_user(Role.expert)
    db.session.commit()
    here, elsewhere = app.test_client(), app.test_client()
    Auth(here).login(user.username)
    Auth(elsewhere).login(user.username)
    response = Auth(here).post("/account/password", {
        "current_password": PASSWORD, "new_password": "Brand-new-9", "confirm": "Brand-new-9"},
        page="/account/password")
    assert response.status_code == 302
    assert here.get("/dashboard").status_code == 200
    assert elsewhere.get("/dashboard").status_code == 302
    assert Auth(app.test_client()).login(user.username, "Brand-new-9").status_code == 302


def test_password_change_errors_keep_the_form(app, client, auth):
    user = make_user(Role.expert)
    db.session.commit()
    auth.login(user.username)
    response = auth.post("/account/password", {"current_password": "wrong-one", "new_password": "Brand-new-9",
                                               "confirm": "Brand-new-9"}, page="/account/password")
    assert response.status_code == 400 and "当前密码不正确" in response.get_data(as_text=True)
    response = auth.post("/account/password", {"current_password": PASSWORD, "new_password": "Brand-new-9",
                                               "confirm": "different-9"}, page="/account/password")
    assert "两次输入的密码不一致" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).session_version == user.session_version


def test_sign_in_attempts_are_rate_limited(app, client):
    make_user(Role.resident, username="target")
    db.session.commit()
    page = client.get("/login").get_data(as_text=True)
    token = csrf_token_from(page)
    codes = [client.post("/login", data={"username": "target", "password": "guess-%d" % i,
                                         "csrf_token": token}).status_code for i in range(12)]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429
    assert "尝试次数过多" in client.post("/login", data={"csrf_token": token}).get_data(as_text=True)


def test_english_can_be_chosen(client):
    client.get("/lang/en")
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in" in page and "Username" in page
    assert '<html lang="en">' in page
    client.get("/lang/zh_CN")
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_language_switch_never_redirects_off_site(client):
    response = client.get("/lang/en?next=https://evil.example/")
    assert response.location == "/"
    response = client.get("/lang/en?next=//evil.example/")
    assert response.location == "/"
    assert client.get("/lang/en?next=/rules").location == "/rules"


def test_next_after_login_stays_on_site(client):
    make_user(Role.resident, username="nexter")
    db.session.commit()
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login?next=https://evil.example/", data={
        "username": "nexter", "password": PASSWORD, "csrf_token": csrf_token_from(page)})
    assert response.location == "/dashboard"


def test_an_inactive_users_existing_session_ends(app, client, auth):
    user = make_user(Role.resident)
    db.session.commit()
    auth.login(user.username)
    user.active = False
    db.session.commit()
    assert client.get("/dashboard").status_code == 302


