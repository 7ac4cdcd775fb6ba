"""Which databases may be emptied. Tests, benchmarks, generators and `seed-demo` on a database with
data are destructive: they run only on a *scratch* database, or when the caller names the very
database to destroy (`--yes-destroy URL`). Nothing here reads `DATABASE_URL`.

A scratch database is
- SQLite in memory, or a file in the system's temporary folder, or a file named `test*.db`/`bench*.db`;
- any other database whose name is `test`, `bench` or `scratch`, alone or followed by `_`/`-` and more
  (`test_harden`, `bench-2`), or ending in `_test`.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

_SCRATCH_NAME = re.compile(r"^(?:(?:test|bench|scratch)(?:[_-].*)?|.*_test)$", re.IGNORECASE)


class NotScratch(RuntimeError):
    """Raised before anything is dropped: the database is not a scratch one and was not named."""


def normalise(url: str) -> str:
    """Heroku-style URLs and bare "postgresql://" both mean psycopg 3 here."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _same(a: str, b: str) -> bool:
    try:
        left, right = make_url(normalise(a)), make_url(normalise(b))
    except Exception:  # an unparsable URL names nothing
        return False
    return left.render_as_string(hide_password=False) == right.render_as_string(hide_password=False)


def is_scratch(url: str) -> bool:
    parsed = make_url(normalise(url))
    name = parsed.database or ""
    if parsed.get_backend_name() == "sqlite":
        if name in ("", ":memory:") or name.startswith("file::memory:"):
            return True
        path = Path(name).expanduser().resolve()
        temp = Path(tempfile.gettempdir()).resolve()
        if temp in path.parents:
            return True
        return bool(re.match(r"^(test|bench)[\w.-]*\.db$", path.name, re.IGNORECASE))
    return bool(_SCRATCH_NAME.match(name))


def refuse_unless_scratch(url: str, yes_destroy: str | None, what: str) -> None:
    """Raise NotScratch unless `url` is a scratch database or `yes_destroy` names exactly it."""
    if is_scratch(url) or (yes_destroy and _same(url, yes_destroy)):
        return
    shown = make_url(normalise(url)).render_as_string(hide_password=True)
    raise NotScratch(
        f"Refusing to {what} {shown}: it is not a scratch database (test*, bench*, scratch*, *_test, "
        f"or SQLite in {tempfile.gettempdir()}). If you really mean to destroy its data, pass "
        f"--yes-destroy with that exact URL.")


def database_for_tests(default: str) -> str:
    """The database for tests and benchmarks: TEST_DATABASE_URL, never DATABASE_URL."""
    return normalise(os.environ.get("TEST_DATABASE_URL") or default)
