"""Benchmark: verify an audit chain of many entries — in process (`flask audit verify`) and from
outside over HTTP (`scripts/verify_chain.py`, standard library only), with peak memory.

    .venv/bin/python bench/chain.py --entries 1000000
    .venv/bin/python bench/chain.py --demo                  # the demo district's chain
    .venv/bin/python bench/chain.py --entries 1000000 --database postgresql://postgres@127.0.0.1:5432/bench

Fills a scratch database (it is emptied) with format-2 entries built exactly as `audit.append` builds
them (bulk-inserted: appending one by one through the ORM would take hours), then times both verifiers.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]


def _refuse_unless_scratch(url: str, yes_destroy: str | None) -> None:
    from marketplace import scratch

    try:
        scratch.refuse_unless_scratch(url, yes_destroy, "empty and fill")
    except scratch.NotScratch as exc:
        sys.exit(str(exc))


def _fill(n: int) -> None:
    from marketplace.domain.core import audit, clock
    from marketplace.extensions import db
    from marketplace.models import AuditEntry

    table = AuditEntry.__table__
    start = clock.now() - timedelta(days=3650)
    prev, rows = audit.GENESIS, []
    for seq in range(1, n + 1):
        at = start + timedelta(seconds=seq * 30)
        payload = {"project": f"LCXM-2026-{seq % 5000:04d}", "count": seq % 7}
        nonce = secrets.token_hex(16)
        private = {"actor": [None, "street"], "data": {"reason": f"第{seq}次"}}
        entry = AuditEntry(seq=seq, created_at=at, action="bench.step", subject_type="projects",
                           subject_id=seq % 5000, payload_digest=audit.digest(payload), prev_hash=prev,
                           version=audit.VERSION, private_digest=audit.private_digest(nonce, private))
        entry.hash = audit.entry_hash(entry)
        rows.append({"seq": seq, "created_at": at, "actor_id": None, "actor_label": "street", "action": "bench.step",
                     "subject_type": "projects", "subject_id": seq % 5000, "payload": payload,
                     "payload_digest": entry.payload_digest, "prev_hash": prev, "hash": entry.hash,
                     "version": audit.VERSION, "private": private, "private_digest": entry.private_digest,
                     "nonce": nonce})
        prev = entry.hash
        if len(rows) == 20_000:
            db.session.execute(table.insert(), rows)
            db.session.commit()
            rows.clear()
    if rows:
        db.session.execute(table.insert(), rows)
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--demo", action="store_true", help="the demo district instead of generated entries")
    parser.add_argument("--yes-destroy", metavar="URL", help="empty --database although it is not a scratch one")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/chain.db"
    _refuse_unless_scratch(url, args.yes_destroy)
    os.environ["TEST_DATABASE_URL"] = url
    from werkzeug.serving import WSGIRequestHandler, make_server

    from marketplace import create_app
    from marketplace.domain.core import audit
    from marketplace.extensions import db

    app = create_app("testing")
    with app.app_context():
        db.drop_all()
        db.create_all()
        began = time.perf_counter()
        if args.demo:
            from marketplace.demo import build_demo

            build_demo(echo=lambda *a: None)
            db.session.commit()
        else:
            _fill(args.entries)
        print(f"filled in {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        report = audit.verify_chain()
        took = time.perf_counter() - began
        print(f"flask audit verify (in process): {report.count:,} entries, ok={report.ok}, {took:.1f} s, "
              f"{report.count / took:,.0f} entries/s {report.problem}; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        if args.demo:
            began = time.perf_counter()
            rows = audit.verify_rows()
            print(f"flask audit verify --deep (rows): {rows.checked:,} rows, ok={rows.ok}, "
                  f"{time.perf_counter() - began:.1f} s")
        db.session.remove()
    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:
            pass

    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        began = time.perf_counter()
        out = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, str(ROOT / "scripts" / "verify_chain.py"),
                              f"http://127.0.0.1:{httpd.server_port}"], capture_output=True, text=True)
        took = time.perf_counter() - began
        peak = out.stderr.strip().splitlines()[-1]
        print(f"scripts/verify_chain.py over HTTP: {out.stdout.strip()} — {took:.1f} s, verifier peak RSS "
              f"{int(peak) / 1024:.0f} MB" if peak.isdigit() else out.stderr)
    finally:
        httpd.shutdown()
    with app.app_context():
        db.drop_all()


if __name__ == "__main__":
    main()
