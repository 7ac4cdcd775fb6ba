"""Human-readable, unique and stable codes: needs LC-2026-000123, projects LCXM-2026-0001."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from marketplace.domain.core import clock
from marketplace.extensions import db
from marketplace.models import Counter


def next_value(name: str) -> int:
    """Atomically take the next number of a counter (row-level: concurrent callers never share one)."""
    for _attempt in range(3):
        taken = db.session.execute(
            update(Counter).where(Counter.name == name).values(value=Counter.value + 1)
            .returning(Counter.value)).scalar()
        if taken is not None:
            return taken
        try:
            with db.session.begin_nested():
                db.session.add(Counter(name=name, value=1))
            return 1
        except IntegrityError:  # another transaction created it first: take the next one
            continue
    raise RuntimeError(f"could not take a number from counter {name}")


def need_code() -> str:
    year = clock.today().year
    return f"LC-{year}-{next_value(f'need-{year}'):06d}"


def project_code() -> str:
    year = clock.today().year
    return f"LCXM-{year}-{next_value(f'project-{year}'):04d}"
