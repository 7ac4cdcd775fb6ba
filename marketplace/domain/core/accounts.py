"""Accounts: password hashing (argon2), sign-in, password change, ending sessions, creating users."""

from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from zxcvbn import zxcvbn

from marketplace.domain.core import audit, clock, permissions
from marketplace.domain.core.errors import DomainError, ValidationError
from marketplace.extensions import db
from marketplace.models import Role, User

_hashers: dict[tuple, tuple[PasswordHasher, str]] = {}  # cost → (hasher, its timing-equaliser hash)
MIN_PASSWORD_LENGTH = 10
MIN_STRENGTH = 3  # zxcvbn's 0–4: 3 is "safely unguessable" even if the hashes leaked
# Words an attacker tries first against this platform (zxcvbn penalises passwords built on them).
CONTEXT_WORDS = ["licang", "lican", "qingdao", "jiebang", "jiebangguashuai", "guashuai", "marketplace",
                 "李沧", "李沧区", "青岛", "揭榜挂帅", "揭榜"]


def _hasher_and_dummy() -> tuple[PasswordHasher, str]:
    """argon2id at the library's cost (RFC 9106's low-memory profile); the tests' config lowers it
    (PASSWORD_HASH_COST) so that thousands of sign-ins do not each spend a real hash."""
    cost = (current_app.config.get("PASSWORD_HASH_COST") if has_app_context() else None) or {}
    key = tuple(sorted(cost.items()))
    if key not in _hashers:
        hasher = PasswordHasher(**cost)
        _hashers[key] = (hasher, hasher.hash("timing-equaliser"))
    return _hashers[key]


def _hasher() -> PasswordHasher:
    return _hasher_and_dummy()[0]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(user: User, password: str) -> bool:
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def password_problem(password: str, username: str = "", *context: str) -> object | None:
    """Why this password is refused, or None: at least 10 characters, and not guessable by zxcvbn's
    dictionaries (common passwords, names, dates, keyboard patterns, l33t spellings) nor built on
    the username, the person's or organization's name, or the district's name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > 128:
        return _l("The password can have at most 128 characters.")
    if username and password.lower() == username.lower():
        return _l("The password cannot be the same as the username.")
    words = [w for phrase in (username, *context) if phrase for w in {phrase, *phrase.split()}] + CONTEXT_WORDS
    remainder = password.lower()
    for word in sorted(words, key=len, reverse=True):
        remainder = remainder.replace(word.lower(), "")
    built_on_context = remainder != password.lower() and len([c for c in remainder if c.isalpha()]) < 4
    if built_on_context or zxcvbn(password, user_inputs=words)["score"] < MIN_STRENGTH:
        return _l("This password is too easy to guess: avoid common passwords, names, dates, keyboard "
                  "patterns, the username and the district's name. A few unrelated words with a number "
                  "and a sign work well, e.g. 晴天-river-47-窗台.")
    return None


def find_user(username: str) -> User | None:
    return db.session.scalar(
        select(User).where(func.lower(User.username) == (username or "").strip().lower())
    )


def authenticate(username: str, password: str) -> User:
    """The user for these credentials, or a DomainError that does not tell which part was wrong."""
    user = find_user(username)
    if user is None:
        try:  # spend the same time as a real check, so timing does not reveal unknown usernames
            hasher, dummy = _hasher_and_dummy()
            hasher.verify(dummy, password or "-")
        except VerificationError:
            pass
        raise DomainError(_l("Wrong username or password."))
    if not check_password(user, password or ""):
        raise DomainError(_l("Wrong username or password."))
    if not user.active:
        raise DomainError(_l("This account has been deactivated; please contact the district."))
    user.last_login_at = clock.now()
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session of this user (on logout): their cookies carry the old version."""
    user.session_version += 1
    db.session.flush()


def change_password(actor: User, current: str, new: str) -> None:
    permissions.require(actor, "account.change_password", actor)
    if not check_password(actor, current):
        raise ValidationError(_l("The current password is wrong."), field="current_password")
    problem = password_problem(new, actor.username, actor.display_name)
    if problem:
        raise ValidationError(problem, field="new_password")
    if current == new:
        raise ValidationError(_l("The new password must differ from the current one."),
                              field="new_password")
    actor.password_hash = hash_password(new)
    actor.session_version += 1  # every other session ends; the view signs this one in again
    audit.append(actor, "user.password_changed", actor)


def create_user(actor: Any, *, username: str, password: str, display_name: str, role: Role,
                check_strength: bool = True, context: tuple[str, ...] = (), **fields: Any) -> User:
    """Create an account (used by the admin console, organization sign-up and the demo). Only the
    demo, whose accounts share a published password, passes check_strength=False."""
    username = username.strip()
    if find_user(username) is not None:
        raise ValidationError(_l("This username is already taken."), field="username")
    problem = password_problem(password, username, display_name, *context) if check_strength else None
    if problem:
        raise ValidationError(problem, field="password")
    user = User(username=username, display_name=display_name.strip(), role=role,
                password_hash=hash_password(password), **fields)
    db.session.add(user)
    db.session.flush()
    audit.append(actor or user, "user.created", user,
                 {"username": user.username, "role": role.value, "scope": user.scope_label})
    return user
