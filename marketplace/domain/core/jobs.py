"""Slow side effects (mail first) off the request: queued during the transaction, dispatched only
after it commits, dropped when it rolls back.

`enqueue(fn, **kwargs)` records a call to a module-level function with JSON-safe arguments on the
current database session. SQLAlchemy's session events decide its fate, so this works the same in a
request, a CLI command, a job and a test:
- the outermost transaction commits → every job recorded in it is dispatched;
- it rolls back (or the session closes without committing) → they are dropped;
- a SAVEPOINT rolls back → the jobs recorded inside it are dropped, the others stay.

Where a dispatched job runs is the `JOBS_BACKEND` setting:
- `embedded` (default, nothing to install): in this process, right after the commit, in a fresh
  app context (its own session and `g`); a failure is logged and never undoes what committed;
- `rq`: pushed onto the RQ queue `JOBS_QUEUE` in Redis (`REDIS_URL`) and run by `flask jobs worker`
  (`marketplace.worker.perform`), with retries. If Redis cannot be reached the job runs embedded
  rather than being lost.

A job function gets an app context and a session; `run` commits after it returns (so jobs may queue
jobs) and rolls back if it raises.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from redis import Redis
from rq import Queue, Retry
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from marketplace.extensions import db

EMBEDDED, RQ = "embedded", "rq"
ENTRY_POINT = "marketplace.worker.perform"  # what the RQ worker imports and calls
_PENDING, _COMMITTED = "jobs.pending", "jobs.committed"


@dataclass(frozen=True)
class Job:
    path: str  # "package.module:function"
    kwargs: dict[str, Any]


def path_of(fn: Callable[..., Any]) -> str:
    if "<" in fn.__qualname__ or "." in fn.__qualname__:
        raise ValueError(f"a job must be a module-level function, not {fn.__qualname__}")
    return f"{fn.__module__}:{fn.__qualname__}"


def resolve(path: str) -> Callable[..., Any]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def enqueue(fn: Callable[..., Any], **kwargs: Any) -> None:
    """Run `fn(**kwargs)` once the current transaction has committed (never if it rolls back)."""
    json.dumps(kwargs)  # the queue carries plain data: a model or a lazy string here is a bug
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((transaction, Job(path_of(fn), kwargs)))


def submit(fn: Callable[..., Any], **kwargs: Any) -> None:
    """Dispatch now, outside any transaction (the scheduler's periodic jobs)."""
    json.dumps(kwargs)
    _dispatch(Job(path_of(fn), kwargs))


def pending() -> list[Job]:
    """The jobs waiting for the current transaction to commit (for tests and diagnostics)."""
    return [job for _t, job in db.session().info.get(_PENDING, [])]


def run(path: str, kwargs: dict[str, Any]) -> Any:
    """Run one job in the current app context and commit its session (the worker and the
    embedded backend both come here)."""
    try:
        result = resolve(path)(**kwargs)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return result


def _dispatch(job: Job) -> None:
    app = current_app._get_current_object()
    if app.config.get("JOBS_BACKEND", EMBEDDED) == RQ:
        try:
            queue(app).enqueue(ENTRY_POINT, job.path, job.kwargs,
                               retry=Retry(max=3, interval=[10, 60, 300]),
                               description=job.path)
            return
        except Exception:  # Redis unreachable: run it here rather than lose it
            app.logger.exception("could not queue job %s; running it in-process", job.path)
    _run_embedded(app, job)


def _run_embedded(app: Flask, job: Job) -> None:
    with app.app_context():  # a fresh session and g: the committed one is finished
        try:
            run(job.path, job.kwargs)
        except Exception:  # the action has committed; a failed side effect is logged, not raised
            app.logger.exception("job %s failed", job.path)


def queue(app: Flask) -> Queue:
    """The RQ queue of this app (`JOBS_QUEUE` on `REDIS_URL`)."""
    connection = app.extensions.get("jobs.redis")
    if connection is None:
        connection = app.extensions["jobs.redis"] = Redis.from_url(app.config["REDIS_URL"])
    return Queue(app.config.get("JOBS_QUEUE", "marketplace"), connection=connection)


# -- the session's fate decides the jobs' -------------------------------------------------------

def _after_commit(session: Session) -> None:
    session.info[_COMMITTED] = True  # (also fires when a SAVEPOINT is released: see below)


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    """A rollback drops the jobs recorded inside the transaction it ended (a SAVEPOINT's only)."""
    kept = [(t, job) for t, job in session.info.get(_PENDING, []) if not _inside(t, previous)]
    session.info[_PENDING] = kept


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    committed = session.info.pop(_COMMITTED, False)
    if transaction.parent is not None:  # a SAVEPOINT ended: the outer transaction decides
        return
    jobs = [job for _t, job in session.info.pop(_PENDING, [])]
    if committed:
        for job in jobs:
            _dispatch(job)


def _inside(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    if transaction is None:  # recorded before the transaction began: the outermost one
        return ended.parent is None
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def init_app(app: Flask) -> None:
    app.extensions["jobs.pid"] = os.getpid()  # a forked RQ work-horse sees another pid
    app.config.setdefault("JOBS_BACKEND", EMBEDDED)
    if app.config["JOBS_BACKEND"] not in (EMBEDDED, RQ):
        raise RuntimeError(f"JOBS_BACKEND must be {EMBEDDED!r} or {RQ!r}")
    for name, listener in (("after_commit", _after_commit), ("after_soft_rollback", _after_soft_rollback),
                           ("after_transaction_end", _after_transaction_end)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
