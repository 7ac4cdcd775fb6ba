"""Flask extensions, created without an app (each is bound in create_app)."""

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from marketplace.orm import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
mail = Mail()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def sqlite_begin_statement() -> str:
    """How a SQLite transaction begins. A request that only reads (GET, HEAD) begins a *deferred*
    transaction: in WAL mode it reads its snapshot without any lock, never waits and never sleeps in
    the busy handler, whatever the writers do. Every other transaction — a request that writes, the
    CLI, tests and jobs outside a request — begins IMMEDIATE: it takes the write lock up front, so a
    read-then-write never fails on a snapshot another writer has moved ("database is locked");
    writers queue on the busy timeout instead."""
    from flask import has_request_context, request

    if has_request_context() and request.method in READING_METHODS:
        return "BEGIN"
    return "BEGIN IMMEDIATE"


def configure_engines() -> None:
    """SQLite: enforce foreign keys and let SQLAlchemy own transactions (pysqlite's own handling
    breaks SAVEPOINT and lets readers race writers). Call inside an app context."""
    from sqlalchemy import event

    engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    config = current_app.config

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # writers wait for the write lock (readers never do); past the timeout the request is a 503
        cursor.execute(f"PRAGMA busy_timeout={int(config.get('SQLITE_BUSY_TIMEOUT_MS', 10000))}")
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer, nor it them
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql(sqlite_begin_statement())
