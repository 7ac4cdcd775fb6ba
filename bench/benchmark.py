"""Benchmark in process: the public pages of a large district, one request at a time (no network).

    .venv/bin/python bench/benchmark.py                                  # SQLite, scale 0.25 (100,000 needs)
    .venv/bin/python bench/benchmark.py --database postgresql://postgres@127.0.0.1:5432/bench --scale 1

The data set is `bench/city.py`'s city (generated once into the database, then reused; point it at a
scratch database, never at real data). Prints, per page, the median and 95th-percentile time over the
runs and the number of queries. `bench/http.py` measures the same pages through a real server under
concurrent load, against a bare baseline: that is the figure that matters; this one is for profiling.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

# the checkout first; this folder off the path (bench/http.py would shadow the standard library's http)
sys.path[:] = [str(Path(__file__).resolve().parent.parent)] + [
    p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="SQLAlchemy URL of a scratch database (default: instance/bench/bench-city-<scale>.db)")
    parser.add_argument("--scale", type=float, default=0.25, help="1 = the city (400,000 needs)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--yes-destroy", metavar="URL", help="generate into this non-scratch database (emptied)")
    args = parser.parse_args()

    from bench import city

    root = Path(__file__).resolve().parent.parent
    url = args.database or f"sqlite:///{root / 'instance' / 'bench' / f'bench-city-{args.scale}.db'}"
    (root / "instance" / "bench").mkdir(parents=True, exist_ok=True)
    city.ensure(url, args.scale, yes_destroy=args.yes_destroy)
    os.environ.update(TEST_DATABASE_URL=url)
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from marketplace import create_app
    from marketplace.domain.core.search import initialise

    app = create_app("testing")
    initialise()
    counter = {"n": 0}
    event.listen(Engine, "after_cursor_execute", lambda *a, **k: counter.__setitem__("n", counter["n"] + 1))
    client = app.test_client()
    with app.app_context():
        from sqlalchemy import select

        from marketplace.extensions import db
        from marketplace.models import Need

        need = db.session.scalar(select(Need.code).order_by(Need.id.desc()).limit(1))
    pages = ["/", "/needs/", "/needs/?q=助餐", "/needs/?q=养老&status=recorded", "/needs/?page=2000", f"/needs/{need}", "/projects/", "/projects/?q=托管&budget_min=100000", "/organizations/",
             "/organizations/?q=助学", "/lists", "/rules", "/projects/ocds.json?page=1"]
    print(f"{'page':45} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for page in pages:
        times = []
        for _ in range(args.runs):
            counter["n"] = 0
            t = time.perf_counter()
            response = client.get(page)
            times.append((time.perf_counter() - t) * 1000)
            if response.status_code != 200:
                print(f"{page:45} HTTP {response.status_code}")
                break
        else:
            times.sort()
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            print(f"{page:45} {statistics.median(times):10.1f} {p95:8.1f} {counter['n']:8d}")
    t = time.perf_counter()
    client.get("/needs/export.xlsx?q=助餐")
    print(f"{'/needs/export.xlsx?q=助餐 (one run)':45} {(time.perf_counter() - t) * 1000:10.1f}")


if __name__ == "__main__":
    main()
