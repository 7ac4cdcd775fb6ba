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
        accounts.change_password(user, "not-it", "N3w-password!")
    assert err.value.field == "current_password"
    with pytest.raises(ValidationError) as err:
        accounts.change_password(user, PASSWORD, "short")
    assert err.value.field == "new_password"
    accounts.change_password(user, PASSWORD, "N3w-password!")
    assert user.session_version == version + 1
    assert accounts.check_password(user, "N3w-password!")


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
