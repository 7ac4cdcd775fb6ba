"""The baseline for `bench/http.py`: a bare Flask + Jinja + SQLAlchemy "fortunes" page (after
TechEmpower's test): a 12-row table read per request, one row added at request time, sorted, and
rendered by an autoescaping Jinja template. Served by the same gunicorn command as the product, on
the same database server, it shows what this machine does per request before any product code.

    FORTUNES_DATABASE_URL=sqlite:////tmp/fortunes.db gunicorn -w 2 -k sync --preload bench.fortunes:app
"""

from __future__ import annotations

import os

from flask import Flask, render_template_string
from sqlalchemy import Integer, String, create_engine, event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

MESSAGES = [
    "fortune: No such file or directory",
    "A computer scientist is someone who fixes things that aren't broken.",
    "After enough decimal places, nobody gives a damn.",
    "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
    "A computer program does what you tell it to do, not what you want it to do.",
    "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
    "Any program that runs right is obsolete.",
    "A list is only as strong as its weakest link. — Donald Knuth",
    "Feature: A bug with seniority.",
    "Computers make very fast, very accurate mistakes.",
    '<script>alert("This should not be displayed in a browser alert box.");</script>',
    "フレームワークのベンチマーク",
]

TEMPLATE = """<!doctype html>
<html><head><title>Fortunes</title></head><body>
<table><tr><th>id</th><th>message</th></tr>
{% for f in fortunes %}<tr><td>{{ f.id }}</td><td>{{ f.message }}</td></tr>
{% endfor %}</table></body></html>"""


class Base(DeclarativeBase):
    pass


class Fortune(Base):
    __tablename__ = "bench_fortune"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message: Mapped[str] = mapped_column(String(2048))


def _url() -> str:
    url = os.environ.get("FORTUNES_DATABASE_URL", "sqlite:///fortunes.db")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


engine = create_engine(_url(), pool_pre_ping=True)
if engine.dialect.name == "sqlite":
    @event.listens_for(engine, "connect")
    def _wal(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA journal_mode=WAL")


def setup() -> None:
    """Create and fill the table once (idempotent)."""
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        if session.scalar(select(Fortune.id).limit(1)) is None:
            session.add_all(Fortune(id=i, message=m) for i, m in enumerate(MESSAGES, start=1))
            session.commit()


app = Flask(__name__)
setup()
engine.dispose()  # the workers fork after --preload: each opens its own connections


@app.get("/fortunes")
def fortunes():
    with Session(engine) as session:
        rows = [(f.id, f.message) for f in session.scalars(select(Fortune))]
    rows.append((0, "Additional fortune added at request time."))
    rows.sort(key=lambda r: r[1])
    return render_template_string(TEMPLATE, fortunes=[{"id": i, "message": m} for i, m in rows])
