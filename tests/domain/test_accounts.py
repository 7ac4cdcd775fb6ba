import pytest

from marketplace.domain.core import accounts
from marketplace.domain.core.errors import DomainError, ValidationError
from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import PASSWORD, make_user


def test_passwords_are_hashed_with_argon2id():
    user = make_user(Role.resident)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert accounts.check_password(user, PASSWORD)
    assert not accounts.check_password(user, PASSWORD + "x")


def test_authenticate_accepts_the_right_password_case_insensitive_username():
    user = make_user(Role.street, username="ZhangSan")
    assert accounts.authenticate("zhangsan", PASSWORD) is user
    assert user.last_login_at is not None


@pytest.mark.parametrize(("username", "password"), [("nobody", PASSWORD), ("known", "wrong-pass")])
def test_unknown_user_and_wrong_password_get_the_same_message(username, password):
    make_user(Role.resident, username="known")
    with pytest.raises(DomainError) as err:
        accounts.authenticate(username, password)
    assert err.value.message == "用户名或密码错误。"


def test_a_deactivated_account_cannot_sign_in():
    user = make_user(Role.expert)
    user.active = False
    with pytest.raises(DomainError):
        accounts.authenticate(user.username, PASSWORD)


def test_password_change_checks_the_current_one_and_ends_other_sessions():
    user = make_user(Role.secretary)
    version = user.session_version
    with pytest.raises(ValidationError) as err:
        accounts.change_password(user, "not-it", "Maple-window-2031")
    assert err.value.field == "current_password"
    with pytest.raises(ValidationError) as err:
        accounts.change_password(user, PASSWORD, "short")
    assert err.value.field == "new_password"
    accounts.change_password(user, PASSWORD, "Maple-window-2031")
    assert user.session_version == version + 1
    assert accounts.check_password(user, "Maple-window-2031")


def test_logout_bumps_the_session_version():
    user = make_user(Role.resident)
    before = user.get_id()
    accounts.end_sessions(user)
    assert user.get_id() != before


def test_usernames_are_unique_ignoring_case():
    make_user(Role.resident, username="wang")
    with pytest.raises(ValidationError) as err:
        accounts.create_user(None, username="WANG", password=PASSWORD, display_name="x",
                             role=Role.resident)
    assert err.value.field == "username"


def test_the_database_refuses_a_secretary_without_a_community():
    from sqlalchemy.exc import IntegrityError

    from marketplace.models import User

    db.session.add(User(username="lost", display_name="x", password_hash="x", role=Role.secretary))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("password", ["12345678", "password", "1234567890", "passwordpassword", "qwertyuiop",
                                      "Password123", "Licang-2026", "licang2026!", "李沧区揭榜挂帅2026",
                                      "zhangwei1990"])
def test_common_and_context_passwords_are_refused(password):
    problem = accounts.password_problem(password, "zhangwei", "张伟")
    assert problem is not None, password


def test_a_password_built_on_the_username_or_the_name_is_refused():
    assert accounts.password_problem("chenguang-2026", "chenguang") is not None
    assert accounts.password_problem("Sunrise-Social-Work-1", "org7", "sunrise social work") is not None
    assert accounts.password_problem("Sunrise-Social-Work-1", "org7") is None  # fine for someone else


def test_a_long_unrelated_passphrase_is_accepted():
    for password in ("Quiet-harbour-47", "晴天-river-47-窗台", "correct horse battery staple"):
        assert accounts.password_problem(password, "zhangwei", "张伟") is None, password


def test_weak_passwords_are_refused_with_a_chinese_message(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("zh_CN"):
        assert "至少" in str(accounts.password_problem("Short-1"))
        assert "容易被猜到" in str(accounts.password_problem("password1234"))


def test_a_random_password_of_digits_and_signs_is_accepted():
    assert accounts.password_problem("83#91!20@7x%5", "zhangwei") is None


def test_only_the_tests_lower_the_hash_cost_and_a_cheap_hash_is_upgraded_at_sign_in(app):
    from argon2 import PasswordHasher, extract_parameters

    from marketplace import config

    assert config.Config.PASSWORD_HASH_COST is None and config.ProductionConfig.PASSWORD_HASH_COST is None
    user = make_user(Role.resident)
    assert extract_parameters(user.password_hash).time_cost == 1  # (the tests' token cost)
    app.config["PASSWORD_HASH_COST"] = None
    try:
        assert accounts.check_password(user, PASSWORD)
        real, now = PasswordHasher(), extract_parameters(user.password_hash)
        assert (now.time_cost, now.memory_cost, now.parallelism) == (real.time_cost, real.memory_cost, real.parallelism)
        assert accounts.check_password(user, PASSWORD)
    finally:
        app.config["PASSWORD_HASH_COST"] = config.TestConfig.PASSWORD_HASH_COST
