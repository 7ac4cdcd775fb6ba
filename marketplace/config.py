"""Configuration, read from the environment. Every setting is documented in the README."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from marketplace import scratch

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("INSTANCE_PATH", ROOT / "instance"))


def _local_secret_key(name: str = "secret_key") -> str:
    """For local runs only: generate a key once and keep it in instance/ so sessions survive restarts
    (also the audit-chain signing key: 32 random bytes, the Ed25519 private seed, in hex)."""
    INSTANCE.mkdir(parents=True, exist_ok=True)
    path = INSTANCE / name
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url(default: str) -> str:
    return scratch.normalise(os.environ.get("DATABASE_URL", default))


class Config:
    APP_ENV = "development"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_CN": "中文", "en": "English"}
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    PASSWORD_HASH_COST = None  # argon2-cffi's own parameters (RFC 9106 low-memory); only the tests lower them
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 20 * 1024 * 1024))
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    LOGIN_USERNAME_RATE_LIMIT = os.environ.get("LOGIN_USERNAME_RATE_LIMIT", "10 per 15 minutes")
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", 0))
    HSTS_SECONDS = 0  # production: a year
    REGISTER_RATE_LIMIT = os.environ.get("REGISTER_RATE_LIMIT", "5 per hour")
    FLASK_ADMIN_SWATCH = "default"
    WISH_RATE_LIMIT = os.environ.get("WISH_RATE_LIMIT", "5 per hour")
    # the home page's district figures (whole-table counts) are recomputed at most this often per worker
    FIGURES_CACHE_SECONDS = int(os.environ.get("FIGURES_CACHE_SECONDS", 60))
    # public pages (lists, search, details, open data) are replayed to anonymous readers for this long,
    # per worker (0: off); signed-in users always get live pages — see marketplace/pagecache.py
    PUBLIC_PAGE_CACHE_SECONDS = int(os.environ.get("PUBLIC_PAGE_CACHE_SECONDS", 15))
    PUBLIC_PAGE_CACHE_BYTES = int(os.environ.get("PUBLIC_PAGE_CACHE_BYTES", 32 * 1024 * 1024))
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE / "uploads"))
    MAX_IMAGE_BYTES = int(os.environ.get("MAX_IMAGE_BYTES", 5 * 1024 * 1024))
    MAX_PHOTOS = 6
    MAX_IMAGE_PIXELS = int(os.environ.get("MAX_IMAGE_PIXELS", 40_000_000))
    MAX_ATTACHMENT_BYTES = int(os.environ.get("MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024))
    MAX_ATTACHMENTS = 10
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "noreply@jiebang.local")
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    JOBS_BACKEND = os.environ.get("JOBS_BACKEND", "embedded")  # embedded | rq
    REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "marketplace")
    JOBS_TICK_SECONDS = int(os.environ.get("JOBS_TICK_SECONDS", 60))
    PDF_FONT = os.environ.get("PDF_FONT")  # a CJK TrueType font for the PDFs; Debian's WenQuanYi by default
    COMPLAINT_RATE_LIMIT = os.environ.get("COMPLAINT_RATE_LIMIT", "5 per hour")
    SURVEY_RATE_LIMIT = os.environ.get("SURVEY_RATE_LIMIT", "60 per hour")
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "60 per minute")
    # Open data (OCDS 1.1): the ocid prefix registered with the Open Contracting Partnership, the
    # licence of the data and the publication policy (our own /open-data page unless set)
    OCDS_OCID_PREFIX = os.environ.get("OCDS_OCID_PREFIX", "ocds-licang")
    OCDS_PUBLISHER = os.environ.get("OCDS_PUBLISHER", "青岛市李沧区 揭榜挂帅平台")
    OCDS_LICENSE = os.environ.get("OCDS_LICENSE", "https://creativecommons.org/licenses/by/4.0/")
    OCDS_PUBLICATION_POLICY = os.environ.get("OCDS_PUBLICATION_POLICY")  # default: PUBLIC_URL + /open-data
    OCDS_ORG_SCHEME = os.environ.get("OCDS_ORG_SCHEME", "CN-USCC")  # organizations: 统一社会信用代码
    OCDS_BUYER_SCHEME = os.environ.get("OCDS_BUYER_SCHEME", "X-LICANG-STREET")  # streets: the district's code
    EXPORT_INLINE_ROWS = int(os.environ.get("EXPORT_INLINE_ROWS", 5000))  # larger exports (CSV or Excel) become jobs
    EXPORT_FOLDER = os.environ.get("EXPORT_FOLDER", str(INSTANCE / "exports"))
    EXPORT_KEEP_HOURS = int(os.environ.get("EXPORT_KEEP_HOURS", 24))
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", 10000))
    # staff sign-in: roles that must use two-factor (TOTP), and how long a session lasts
    TWO_FACTOR_ROLES = os.environ.get("TWO_FACTOR_ROLES", "admin")
    TWO_FACTOR_ISSUER = os.environ.get("TWO_FACTOR_ISSUER", "揭榜挂帅 李沧")
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", 30))
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", 12))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=SESSION_MAX_HOURS)  # "keep me signed in": never longer
    PG_DUMP = os.environ.get("PG_DUMP", "pg_dump")  # `flask backup create` on PostgreSQL
    PG_RESTORE = os.environ.get("PG_RESTORE", "pg_restore")  # `flask backup restore` on PostgreSQL

    def __init__(self) -> None:
        self.SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE / 'marketplace.db'}")
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
        # the district's Ed25519 key signing the audit-chain checkpoints (hex of the 32-byte seed)
        self.AUDIT_SIGNING_KEY = os.environ.get("AUDIT_SIGNING_KEY") or _local_secret_key("audit_signing_key")


class ProductionConfig(Config):
    APP_ENV = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", 365 * 24 * 3600))

    def __init__(self) -> None:
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production (APP_ENV=production).")
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("DATABASE_URL must be set in production (APP_ENV=production).")
        if not os.environ.get("AUDIT_SIGNING_KEY"):
            raise RuntimeError("AUDIT_SIGNING_KEY must be set in production (APP_ENV=production): "
                               "`flask audit new-key` prints one.")
        if not os.environ.get("RATELIMIT_STORAGE_URI"):
            # the default counts per worker process: with several workers every limit is multiplied
            raise RuntimeError("RATELIMIT_STORAGE_URI must be set in production (APP_ENV=production): "
                               "redis://127.0.0.1:6379/0 so that every worker shares the sign-in limits "
                               "(memory:// only for a single worker process).")
        self.SECRET_KEY = os.environ["SECRET_KEY"]
        self.AUDIT_SIGNING_KEY = os.environ["AUDIT_SIGNING_KEY"]
        self.SQLALCHEMY_DATABASE_URI = _database_url(os.environ["DATABASE_URL"])
        self.RATELIMIT_STORAGE_URI = os.environ["RATELIMIT_STORAGE_URI"]


class TestConfig(Config):
    APP_ENV = "testing"
    TESTING = True
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_BACKEND = "locmem"
    JOBS_BACKEND = "embedded"  # the RQ test sets its own
    FIGURES_CACHE_SECONDS = 0  # tests see every change at once
    PUBLIC_PAGE_CACHE_SECONDS = 0  # (tests/views/test_pagecache.py turns it on)
    TWO_FACTOR_ROLES = ""  # other tests sign in with the password; tests/views/test_two_factor.py sets its own
    # argon2id still, at a token cost: the suite hashes and checks thousands of passwords
    PASSWORD_HASH_COST = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}

    def __init__(self) -> None:
        import tempfile

        self.UPLOAD_FOLDER = tempfile.mkdtemp(prefix="marketplace-uploads-")
        self.EXPORT_FOLDER = tempfile.mkdtemp(prefix="marketplace-exports-")
        self.SECRET_KEY = "test-secret-key"
        self.AUDIT_SIGNING_KEY = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"  # RFC 8032 test 1
        # Never DATABASE_URL: with the deployment's variables exported, tests must not find production.
        self.SQLALCHEMY_DATABASE_URI = scratch.database_for_tests("sqlite:///" + str(INSTANCE / "test.db"))


CONFIGS = {"development": Config, "production": ProductionConfig, "testing": TestConfig}


def load(name: str | None = None) -> Config:
    return CONFIGS[name or os.environ.get("APP_ENV", "development")]()
