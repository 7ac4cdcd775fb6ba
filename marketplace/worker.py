"""What the RQ worker runs.

`flask jobs worker` starts an RQ worker inside the app context; each job it takes calls
`perform(path, kwargs)`, which runs the job function in a fresh app context of its own (a new
database session) and commits. A forked work-horse first drops the database connections it
inherited from the worker process, which stay the parent's.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, current_app, has_app_context

from marketplace import create_app
from marketplace.domain.core import jobs
from marketplace.extensions import db

_standalone: Flask | None = None


def perform(path: str, kwargs: dict[str, Any]) -> Any:
    app = current_app._get_current_object() if has_app_context() else _standalone_app()
    with app.app_context():
        if app.extensions.get("jobs.pid") != os.getpid():  # a forked work-horse
            db.engine.dispose(close=False)
            app.extensions["jobs.pid"] = os.getpid()
        return jobs.run(path, kwargs)


def _standalone_app() -> Flask:
    """A plain `rq worker` (not `flask jobs worker`) builds the app from the environment once."""
    global _standalone
    if _standalone is None:
        _standalone = create_app()
    return _standalone

