"""One page at a time, in process, on a (generated) database: wall and CPU time, the queries with
their time (--sql), and the functions that cost the most CPU (--cprofile; SORT=tottime to sort by own time).

    .venv/bin/python bench/page_profile.py sqlite:///$PWD/instance/bench/bench-city-0.25.db / /needs/?page=2000 --sql
    .venv/bin/python bench/page_profile.py postgresql://postgres@127.0.0.1:5432/bench /street/ --user street --cprofile
"""
import argparse, os, re, secrets, sys, time, statistics, cProfile, pstats, io
from pathlib import Path
# the checkout first; this folder off the path (bench/http.py would shadow the standard library's http)
sys.path[:] = [str(Path(__file__).resolve().parent.parent)] + [
    p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
p = argparse.ArgumentParser()
p.add_argument("url"); p.add_argument("paths", nargs="+"); p.add_argument("--user"); p.add_argument("--runs", type=int, default=5)
p.add_argument("--cprofile", action="store_true"); p.add_argument("--sql", action="store_true")
a = p.parse_args()
os.environ.update(DATABASE_URL=a.url, APP_ENV="production", SECRET_KEY=secrets.token_hex(16), RATELIMIT_STORAGE_URI="memory://", AUDIT_SIGNING_KEY=secrets.token_hex(32))
from sqlalchemy import event
from sqlalchemy.engine import Engine
from marketplace import create_app
from marketplace.domain.core.search import initialise
app = create_app("production", SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
initialise()
log = []
@event.listens_for(Engine, "before_cursor_execute")
def b(conn, cursor, statement, params, context, many):
    conn.info["t0"] = time.perf_counter()
@event.listens_for(Engine, "after_cursor_execute")
def af(conn, cursor, statement, params, context, many):
    log.append((time.perf_counter() - conn.info["t0"], statement, params))
c = app.test_client()
if a.user:
    form = c.get("/login").get_data(as_text=True)
    tok = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    r = c.post("/login", data={"username": a.user, "password": "Licang-2026", "csrf_token": tok}); assert r.status_code == 302, r.status_code
for path in a.paths:
    st = c.get(path).status_code
    times = []; cpu = []
    for _ in range(a.runs):
        log.clear(); t = time.perf_counter(); t2 = time.process_time(); c.get(path); times.append(time.perf_counter() - t); cpu.append(time.process_time() - t2)
    sqlt = sum(x[0] for x in log)
    print(f"{path} [{a.user}] HTTP {st}: median {statistics.median(times)*1000:.1f} ms, CPU {statistics.median(cpu)*1000:.1f} ms, {len(log)} queries, SQL {sqlt*1000:.1f} ms (last run)")
    if a.sql:
        for d, s, prm in sorted(log, key=lambda x: -x[0])[:12]:
            print(f"   {d*1000:8.1f} ms  {' '.join(s.split())[:300]}  {str(prm)[:100]}")
    if a.cprofile:
        pr = cProfile.Profile(time.process_time); pr.enable(); c.get(path); pr.disable()
        s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats(os.environ.get("SORT","cumulative")).print_stats(35); print(s.getvalue()[:6000])
