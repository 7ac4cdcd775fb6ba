"""Two-factor sign-in for staff: TOTP (RFC 6238, pyotp) with single-use recovery codes.

Required for the district administrator (always, in production) and for the roles listed in the
TWO_FACTOR_ROLES setting (e.g. street, department, expert); anyone else may switch it on. A code is
accepted once (the time step is remembered), within one step (30 s) of the server's clock either
way. Recovery codes are shown once and kept as SHA-256 digests (80 random bits each)."""

from __future__ import annotations

import base64
import hashlib
import io
import secrets
import time

import pyotp
import qrcode
import qrcode.image.svg
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.domain.core import audit, clock, permissions
from marketplace.domain.core.errors import DomainError, InvalidTransition, ValidationError
from marketplace.extensions import db
from marketplace.models import RecoveryCode, Role, User

RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed from paper


def required_roles() -> set[str]:
    """The roles that must sign in with a second factor: TWO_FACTOR_ROLES (comma-separated), and the
    district administrator always in production."""
    raw = current_app.config.get("TWO_FACTOR_ROLES") or ""
    roles = {r.strip().lower() for r in raw.split(",") if r.strip()}
    if current_app.config.get("APP_ENV") == "production":
        roles.add(Role.admin.value)
    return roles


def required(user: User) -> bool:
    return user.role.value in required_roles()


def enrolled(user: User) -> bool:
    return user.totp_enabled_at is not None


# --- enrolment ---------------------------------------------------------------------------------

def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=current_app.config["TWO_FACTOR_ISSUER"])


def qr_data_uri(uri: str) -> str:
    """The otpauth:// address as a QR code: an SVG drawn on the server, as a data: URI for an <img>."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    out = io.BytesIO()
    image.save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step (within one of now) whose code this is, if not used already."""
    code = (code or "").replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp, now = pyotp.TOTP(secret), int(time.time()) // 30
    for step in (now - 1, now, now + 1):
        if secrets.compare_digest(totp.at(step * 30), code) and (last_step is None or step > last_step):
            return step
    return None


def _new_codes(user: User) -> list[str]:
    for old in user.recovery_codes:
        if old.used_at is None:
            old.used_at = clock.now()  # superseded
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))  # 16 × log2(31) ≈ 79 bits
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
        user.recovery_codes.append(RecoveryCode(code_hash=_digest(raw)))
    db.session.flush()
    return codes


def _digest(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").lower().encode()).hexdigest()


def enable(user: User, secret: str, code: str) -> list[str]:
    """Switch two-factor on with the secret the person's app scanned and a code it shows; returns the
    recovery codes (shown once). Other sessions end: they were opened with the password alone."""
    permissions.require(user, "account.two_factor", user)
    if enrolled(user):
        raise InvalidTransition(_l("Two-factor sign-in is already on for this account."))
    step = _matching_step(secret, code, None)
    if step is None:
        raise ValidationError(_l("This code does not match: check that your phone's time is right and enter the "
                                 "6 digits your app shows now."), field="code")
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, clock.now(), step
    codes = _new_codes(user)
    user.session_version += 1
    audit.append(user, "user.two_factor_enabled", user)
    return codes


def check(user: User, code: str) -> str:
    """Accept a current TOTP code or an unused recovery code (used up); return which ("totp",
    "recovery"). A wrong or reused code is refused without saying which part was wrong."""
    step = _matching_step(user.totp_secret or "", code, user.totp_last_step) if enrolled(user) else None
    if step is not None:
        user.totp_last_step = step
        return "totp"
    found = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _digest(code or ""),
        RecoveryCode.used_at.is_(None)))
    if found is None:
        raise ValidationError(_l("Wrong or already used code."), field="code")
    found.used_at = clock.now()
    audit.append(user, "user.recovery_code_used", user)
    return "recovery"


def remaining_codes(user: User) -> int:
    return sum(1 for c in user.recovery_codes if c.used_at is None)


def regenerate_codes(user: User, code: str) -> list[str]:
    permissions.require(user, "account.two_factor", user)
    if not enrolled(user):
        raise InvalidTransition(_l("Two-factor sign-in is not on for this account."))
    check(user, code)
    codes = _new_codes(user)
    audit.append(user, "user.recovery_codes_renewed", user)
    return codes


def disable(user: User, code: str) -> None:
    permissions.require(user, "account.two_factor", user)
    if required(user):
        raise InvalidTransition(_l("Your role must sign in with two-factor: it cannot be switched off."))
    if not enrolled(user):
        raise InvalidTransition(_l("Two-factor sign-in is not on for this account."))
    check(user, code)
    _clear(user)
    audit.append(user, "user.two_factor_disabled", user)


def _clear(user: User) -> None:
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    for old in user.recovery_codes:
        if old.used_at is None:
            old.used_at = clock.now()


# --- the administrator ---------------------------------------------------------------------------

def reset(actor: User | str, user: User) -> None:
    """The administrator (or `flask two-factor reset` on the server) takes two-factor off an account
    whose phone and codes are lost; its sessions end, and a required role enrols again at sign-in."""
    if isinstance(actor, User):
        permissions.require(actor, "users.manage")
    _clear(user)
    user.session_version += 1
    audit.append(actor, "user.two_factor_reset", user)


def end_sessions(actor: User, user: User) -> None:
    """The administrator signs a person out everywhere (a lost laptop, a departure)."""
    permissions.require(actor, "users.manage")
    user.session_version += 1
    db.session.flush()
    audit.append(actor, "user.sessions_ended", user)


def find_pending(user_id: object, version: object) -> User:
    """The account waiting for its second factor (the password was right) — or a refusal when that
    account changed since (its sessions were ended, it was deactivated)."""
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.session_version != version or not user.active or not enrolled(user):
        raise DomainError(_l("Please sign in again."))
    return user
