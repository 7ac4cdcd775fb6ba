"""Speed under concurrent load, through a real server, against a bare baseline on the same machine.

    .venv/bin/python bench/http.py                                   # SQLite (scale 0.25) and PostgreSQL (scale 1)
    .venv/bin/python bench/http.py --databases sqlite --sqlite-scale 0.05 --quick

For each database: generates the city-sized data set once (`bench/city.py`; reused on later runs),
serves the product (`wsgi:app`) and the bare fortunes baseline (`bench/fortunes.py`) with the same
gunicorn command, signs the desks' users in once (their cookie is passed to wrk), then for each page
warms up, and runs interleaved rounds of wrk — baseline, page, baseline, page … — so that both see
the same machine at the same moment. The figure is R = page requests/s ÷ baseline requests/s of the
same round (median and min–max over the rounds); any response outside 2xx invalidates it. The
machine is shared (2 cores, other people's work): absolute requests/s are noisy, R is the figure.

Also per page: the SQL queries one request runs and the in-process time (view + template, no
network; median of a few runs) with the template's share — of the live page, the public page cache
off (what a miss costs; wrk measures the server as deployed, cache on); per database: the workers' memory, and
the time of the whole-list exports and of the closing report (first byte and total).
"""

from __future__ import annotations

import os
import sys

# This file is called http.py (the name): run as a script, its folder comes first on the path
# and would shadow the standard library's `http` package. Take the folder off before importing anything.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
LUA = ROOT / "bench" / "wrk_report.lua"
PASSWORD = "Licang-2026"  # the demo accounts' password

TARGETS = {"public list": 0.5, "detail": 0.4, "work queue": 0.35, "search/deep": 0.25, "open data": 0.25}


@dataclass
class Page:
    label: str
    kind: str  # a key of TARGETS
    path: str
    user: str | None = None  # a demo account signed in, or anonymous

    @property
    def title(self) -> str:
        return f"{self.path}" + (f"  [{self.user}]" if self.user else "")


@dataclass
class Result:
    page: Page
    ratios: list[float] = field(default_factory=list)
    rps: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    base_rps: list[float] = field(default_factory=list)
    invalid: str = ""
    queries: int | None = None
    app_ms: float | None = None
    cpu_ms: float | None = None
    template_ms: float | None = None


# --- the pages -----------------------------------------------------------------------------------------

def pages_for(url: str) -> list[Page]:
    """The key pages, with real codes from the generated database (the demo's own projects for the
    detail pages: built through the domain, every stage is complete)."""
    from sqlalchemy import create_engine, text

    from marketplace.scratch import normalise

    engine = create_engine(normalise(url))
    with engine.connect() as conn:
        def one(sql: str, **params: Any) -> Any:
            return conn.execute(text(sql), params).scalar()

        stage = {s: one("SELECT code FROM projects WHERE status = :s ORDER BY id LIMIT 1", s=s)
                 for s in ("bidding", "reviewing", "notice", "delivery", "evaluated")}
        why = one("SELECT p.code FROM projects p JOIN awards a ON a.project_id = p.id "
                  "WHERE a.status = 'notice' ORDER BY p.id LIMIT 1")
        need = one("SELECT n.code FROM needs n WHERE n.status = 'in_project' ORDER BY n.id LIMIT 1")
        org = one("SELECT organization_id FROM users WHERE username = 'org16'") or one(
            "SELECT organization_id FROM users WHERE username = 'org'")
        published = one("SELECT count(*) FROM projects WHERE status <> 'draft'")
    engine.dispose()
    deep_ocds = max(2, published // 100 // 2)
    pages = [
        Page("home", "public list", "/"),
        Page("needs", "public list", "/needs/"),
        Page("projects", "public list", "/projects/"),
        Page("organizations", "public list", "/organizations/"),
        Page("red/black list", "public list", "/lists"),
        Page("services", "public list", "/services/"),
        Page("点单会", "public list", "/meetings/"),
    ]
    for status, code in stage.items():
        if code:
            pages.append(Page(f"project ({status})", "detail", f"/projects/{code}"))
    if why:
        pages.append(Page("why this winner", "detail", f"/projects/{why}/award"))
    if need:
        pages.append(Page("need", "detail", f"/needs/{need}"))
    if org:
        pages.append(Page("organization", "detail", f"/organizations/{org}"))
    pages += [
        Page("community desk", "work queue", "/community/", "secretary"),
        Page("street desk", "work queue", "/street/", "street"),
        Page("street tasks", "work queue", "/dashboard", "street"),
        Page("organization tasks", "work queue", "/dashboard", "org"),
        Page("my organization", "work queue", "/my/organization", "org"),
        Page("expert reviews", "work queue", "/reviews/", "expert"),
        Page("notifications", "work queue", "/notifications/", "street"),
        Page("search needs", "search/deep", "/needs/?q=助餐"),
        Page("search + status", "search/deep", "/needs/?q=养老&status=recorded"),
        Page("deep page", "search/deep", "/needs/?page=2000"),
        Page("search projects", "search/deep", "/projects/?q=托管&budget_min=100000"),
        Page("search organizations", "search/deep", "/organizations/?q=助学"),
        Page("OCDS package", "open data", "/projects/ocds.json?page=1"),
        Page("OCDS deep package", "open data", f"/projects/ocds.json?page={deep_ocds}"),
    ]
    if stage.get("evaluated"):
        pages.append(Page("OCDS release", "open data", f"/projects/{stage['evaluated']}/ocds.json"))
    return pages


def exports_for(pages: list[Page]) -> list[str]:
    evaluated = next((p.path for p in pages if p.label == "project (evaluated)"), None)
    paths = ["/needs/export.csv", "/needs/export.xlsx", "/projects/export.csv", "/projects/export.xlsx",
             "/lists/export.xlsx"]
    if evaluated:
        paths.append(f"{evaluated}/report.pdf")
    return paths


# --- HTTP --------------------------------------------------------------------------------------------

def fetch(port: int, path: str, cookie: str | None = None, method: str = "GET", body: str | None = None,
          read: bool = True) -> tuple[int, dict[str, str], bytes, float, float]:
    """(status, headers, body, seconds to the first byte of the body, seconds in all)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, _quote(path), body=body, headers=headers)
    response = conn.getresponse()
    first = response.read(1)
    ttfb = time.perf_counter() - started
    data = first + response.read()
    total = time.perf_counter() - started
    found = {k.lower(): v for k, v in response.getheaders() if k.lower() != "set-cookie"}
    found["set-cookie"] = "; ".join(v for k, v in response.getheaders() if k.lower() == "set-cookie")
    conn.close()
    return response.status, found, data, ttfb, total


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/?=&%:+")


def _session_cookie(set_cookie: str) -> str | None:
    match = re.search(r"(?:^|[;,]\s*)session=([^;]+)", set_cookie)
    return f"session={match.group(1)}" if match else None


def login(port: int, username: str) -> str:
    status, headers, body, *_ = fetch(port, "/login")
    cookie = _session_cookie(headers["set-cookie"])
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
        rb'value="([^"]+)"[^>]*name="csrf_token"', body)
    assert status == 200 and cookie and token, f"no sign-in form for {username}"
    status, headers, *_ = fetch(port, "/login", cookie, "POST", urlencode(
        {"username": username, "password": PASSWORD, "csrf_token": token.group(1).decode()}))
    signed = _session_cookie(headers["set-cookie"])
    if status != 302 or not signed:
        raise RuntimeError(f"could not sign in as {username} (HTTP {status})")
    return signed


# --- servers -------------------------------------------------------------------------------------------

class Server:
    def __init__(self, module: str, port: int, env: dict[str, str], workers: int) -> None:
        self.module, self.port = module, port
        self.command = [str(BIN / "gunicorn"), "-w", str(workers), "-k", "sync", "--preload",
                        "--bind", f"127.0.0.1:{port}", "--log-level", "warning", module]
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=env, start_new_session=True)

    def wait(self, path: str) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.module} exited with {self.process.returncode}")
            try:
                if fetch(self.port, path)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.module} did not answer {path}")

    def workers(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(c) for c in children]

    def rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmRSS:\s+(\d+) kB", status)
            if match:
                sizes.append(int(match.group(1)) / 1024)
        return sizes

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- wrk -------------------------------------------------------------------------------------------------

def wrk(port: int, path: str, cookie: str | None, seconds: int, connections: int) -> dict[str, Any]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA),
               f"http://127.0.0.1:{port}{_quote(path)}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    figures = json.loads(line[len("BENCH "):])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = figures["connect"] + figures["read"] + figures["write"] + figures["timeout"]
    return figures


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print("wrk is missing: installing it from apt …", flush=True)
    if subprocess.run(sudo + ["apt-get", "install", "-y", "-q", "wrk"], capture_output=True).returncode:
        subprocess.run(sudo + ["apt-get", "update", "-q"], capture_output=True)
        subprocess.run(sudo + ["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)


def _signing_key() -> str:
    """Production configuration requires a signing key for the chain's checkpoints: a throwaway one
    (the benchmark's pages sign the head like any deployment; nobody keeps these signatures)."""
    return os.environ.get("AUDIT_SIGNING_KEY") or secrets.token_hex(32)


# --- in-process figures (a subprocess: its own app, nothing shared with the servers) ----------------------

def inprocess(url: str, pages: list[Page], runs: int) -> dict[str, dict[str, float]]:
    os.environ.update(DATABASE_URL=url, APP_ENV="production", SECRET_KEY=secrets.token_hex(16),
                      RATELIMIT_STORAGE_URI="memory://", AUDIT_SIGNING_KEY=_signing_key())
    from flask import before_render_template, template_rendered
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from marketplace import create_app
    from marketplace.domain.core.search import initialise

    app = create_app("production", SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False,
                     PUBLIC_PAGE_CACHE_SECONDS=0)  # the live page: what a miss of the page cache costs
    initialise()
    state = {"queries": 0, "template": 0.0, "t0": 0.0}
    clock = time.process_time  # CPU time of this process: the machine's other load does not count
    event.listen(Engine, "after_cursor_execute", lambda *a, **k: state.__setitem__("queries", state["queries"] + 1))

    def before(*_a: Any, **_k: Any) -> None:
        state["t0"] = clock()

    def after(*_a: Any, **_k: Any) -> None:
        state["template"] += clock() - state["t0"]

    before_render_template.connect(before, app)
    template_rendered.connect(after, app)
    clients: dict[str | None, Any] = {}
    results: dict[str, dict[str, float]] = {}
    for page in pages:
        client = clients.get(page.user)
        if client is None:
            client = clients[page.user] = app.test_client()
            if page.user:
                form = client.get("/login").get_data(as_text=True)
                token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
                client.post("/login", data={"username": page.user, "password": PASSWORD, "csrf_token": token})
        status = client.get(page.path).status_code
        times, cpu, templates = [], [], []
        for _ in range(runs):
            state.update(queries=0, template=0.0)
            started, started_cpu = time.perf_counter(), clock()
            client.get(page.path)
            times.append(time.perf_counter() - started)
            cpu.append(clock() - started_cpu)
            templates.append(state["template"])
        results[page.path + "|" + (page.user or "")] = {
            "status": status, "queries": state["queries"], "ms": statistics.median(times) * 1000,
            "cpu_ms": statistics.median(cpu) * 1000, "template_ms": statistics.median(templates) * 1000}
    return results


# --- one database ------------------------------------------------------------------------------------

def run_database(name: str, url: str, scale: float, args: argparse.Namespace) -> dict[str, Any]:
    from bench import city

    meta = city.ensure(url, scale, yes_destroy=args.yes_destroy)
    every_page = pages_for(url)
    pages = [p for p in every_page if not args.only or any(o in p.label or o in p.path for o in args.only)]
    rows = json.loads(meta.get("rows", "{}"))
    print(f"\n== {name} · scale {scale} · " + ", ".join(
        f"{rows.get(k, 0):,} {k}" for k in ("needs", "projects", "bids", "bid_scores", "audit_entries", "organizations")),
        flush=True)

    figures = json.loads(subprocess.run(
        [sys.executable, __file__, "--inprocess", url, "--pages-json", json.dumps([asdict(p) for p in pages]),
         "--runs", str(args.inprocess_runs)], capture_output=True, text=True, check=True, cwd=ROOT).stdout
        .splitlines()[-1])
    results = [Result(p) for p in pages]
    for r in results:
        f = figures.get(r.page.path + "|" + (r.page.user or ""), {})
        r.queries, r.app_ms, r.cpu_ms, r.template_ms = f.get("queries"), f.get("ms"), f.get("cpu_ms"), f.get("template_ms")
        if f.get("status") != 200:
            r.invalid = f"HTTP {f.get('status')} in process"

    env = {**os.environ, "APP_ENV": "production", "SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": url,
           "AUDIT_SIGNING_KEY": _signing_key(),
           "RATELIMIT_STORAGE_URI": args.ratelimit_storage, "FORTUNES_DATABASE_URL": _fortunes_url(url),
           "PYTHONDONTWRITEBYTECODE": "1"}
    base_port, app_port = _free_port(), _free_port()
    baseline = Server("bench.fortunes:app", base_port, env, args.workers)
    app = Server("wsgi:app", app_port, env, args.workers)
    summary: dict[str, Any] = {"database": name, "scale": scale, "rows": rows, "command": " ".join(app.command[1:])}
    try:
        baseline.wait("/fortunes")
        app.wait("/healthz")
        cookies = {u: login(app_port, u) for u in sorted({p.user for p in pages if p.user})}
        for r in results:
            status = fetch(app_port, r.page.path, cookies.get(r.page.user))[0]
            if status != 200:
                r.invalid = f"HTTP {status}"
        wrk(base_port, "/fortunes", None, args.warmup, args.connections)
        for r in results:
            if r.invalid:
                print(f"  {r.page.label:22} skipped: {r.invalid}", flush=True)
                continue
            cookie = cookies.get(r.page.user)
            wrk(app_port, r.page.path, cookie, args.warmup, args.connections)
            for _ in range(args.rounds):
                b = wrk(base_port, "/fortunes", None, args.duration, args.connections)
                p = wrk(app_port, r.page.path, cookie, args.duration, args.connections)
                if p["non2xx"] or p["status"]:
                    r.invalid = f"{p['non2xx'] + p['status']} responses outside 2xx"
                elif p["timeout"] or not p["requests"]:
                    r.invalid = f"{p['timeout']} requests timed out (10 s)"
                r.rps.append(p["rps"])
                r.p99_ms.append(p["p99_us"] / 1000)
                r.base_rps.append(b["rps"])
                r.ratios.append(p["rps"] / b["rps"] if b["rps"] else 0.0)
            print(f"  {r.page.label:22} R {statistics.median(r.ratios):.3f}  {statistics.median(r.rps):7.1f} rps  "
                  f"p99 {statistics.median(r.p99_ms):7.1f} ms  baseline {statistics.median(r.base_rps):7.1f} rps"
                  + (f"  INVALID: {r.invalid}" if r.invalid else ""), flush=True)
        summary["rss_after_pages_mb"] = app.rss_mb()
        summary["baseline_rss_mb"] = baseline.rss_mb()
        timings = []
        for path in ([] if args.skip_exports else exports_for(every_page)):
            try:
                status, headers, body, ttfb, total = fetch(app_port, path)
            except (http.client.HTTPException, OSError) as exc:  # e.g. gunicorn's worker timeout cut a stream
                timings.append({"path": path, "status": f"cut: {type(exc).__name__}", "ttfb_s": 0.0, "total_s": 0.0,
                                "bytes": 0, "rss_mb": app.rss_mb()})
                print(f"  {path:40} cut off: {exc!r:.80}", flush=True)
                continue
            timings.append({"path": path, "status": status, "ttfb_s": ttfb, "total_s": total, "bytes": len(body),
                            "rss_mb": app.rss_mb()})
            print(f"  {path:40} HTTP {status}  first byte {ttfb:6.2f} s  total {total:6.2f} s  {len(body):>11,} B",
                  flush=True)
        summary["exports"] = timings
        summary["rss_after_exports_mb"] = app.rss_mb()
    finally:
        app.stop()
        baseline.stop()
    summary["pages"] = [{**asdict(r.page), "ratios": r.ratios, "rps": r.rps, "p99_ms": r.p99_ms,
                         "base_rps": r.base_rps, "invalid": r.invalid, "queries": r.queries, "app_ms": r.app_ms, "cpu_ms": r.cpu_ms,
                         "template_ms": r.template_ms} for r in results]
    return summary


def _fortunes_url(url: str) -> str:
    """The baseline's table lives beside the data: a file next to the SQLite file, the same PostgreSQL database."""
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        return f"sqlite:///{path.parent / 'fortunes.db'}"
    return url


# --- the report ------------------------------------------------------------------------------------------

def machine() -> str:
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0
    return f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}, load {load:.1f} at start"


def render(summary: dict[str, Any], args: argparse.Namespace) -> str:
    rows = summary["rows"]
    lines = [
        f"### {summary['database']} — scale {summary['scale']} ({rows.get('needs', 0):,} needs, "
        f"{rows.get('projects', 0):,} projects, {rows.get('bids', 0):,} bids, {rows.get('bid_scores', 0):,} scores, "
        f"{rows.get('audit_entries', 0):,} audit entries, {rows.get('organizations', 0):,} organizations; "
        "plus the demo district)",
        "",
        f"{summary['date']} · {summary['machine']} · `gunicorn {summary['command']}` and the same with "
        f"`bench.fortunes:app` · wrk -t1 -c{args.connections} -d{args.duration}s × {args.rounds} interleaved rounds "
        f"after {args.warmup} s warm-up",
        "",
        "| class | page | R median (min–max) | target | met | page rps | p99 ms | baseline rps | queries | "
        "in-process ms | CPU ms (template) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in summary["pages"]:
        target = TARGETS[p["kind"]]
        title = f"{p['label']}: `{p['path']}`" + (f" ({p['user']})" if p["user"] else "")
        if not p["ratios"]:
            lines.append(f"| {p['kind']} | {title} | — {p['invalid']} | {target} | | | | | {p['queries']} | | |")
            continue
        r = statistics.median(p["ratios"])
        met = "INVALID" if p["invalid"] else ("yes" if r >= target else "no")
        lines.append(
            f"| {p['kind']} | {title} | {r:.2f} ({min(p['ratios']):.2f}–{max(p['ratios']):.2f}) | ≥ {target} | {met} | "
            f"{statistics.median(p['rps']):.0f} | {statistics.median(p['p99_ms']):.0f} | "
            f"{statistics.median(p['base_rps']):.0f} | {p['queries']} | "
            + (f"{p['app_ms']:.1f} | {p['cpu_ms']:.1f} ({p['template_ms']:.1f}) |" if p["app_ms"] is not None else " | |"))
    lines += ["", "| export / report | HTTP | first byte s | total s | bytes | worker RSS MB after |", "|---|---|---|---|---|---|"]
    for e in summary.get("exports", []):
        lines.append(f"| `{e['path']}` | {e['status']} | {e['ttfb_s']:.2f} | {e['total_s']:.2f} | {e['bytes']:,} | "
                     f"{', '.join(f'{m:.0f}' for m in e['rss_mb'])} |")
    lines += ["", "Worker RSS (MB): after the pages " + ", ".join(f"{m:.0f}" for m in summary.get("rss_after_pages_mb", []))
              + "; after the exports " + ", ".join(f"{m:.0f}" for m in summary.get("rss_after_exports_mb", []))
              + "; baseline workers " + ", ".join(f"{m:.0f}" for m in summary.get("baseline_rss_mb", [])), ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgresql", help="which of sqlite,postgresql to run")
    parser.add_argument("--sqlite", default=None, help="the SQLite file (default instance/bench/bench-city-<scale>.db)")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/bench"),
                        help="a scratch PostgreSQL database (it is emptied when the data set is generated)")
    parser.add_argument("--sqlite-scale", type=float, default=0.25, help="data size on SQLite (0.25 = T2/4)")
    parser.add_argument("--pg-scale", type=float, default=1.0, help="data size on PostgreSQL (1 = T2, the city)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=6, help="seconds of each wrk round")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--inprocess-runs", type=int, default=7)
    parser.add_argument("--only", nargs="*", help="pages whose label or path contains one of these")
    parser.add_argument("--skip-exports", action="store_true", help="pages only (no exports, no closing report)")
    parser.add_argument("--quick", action="store_true", help="2 rounds of 3 s after 1 s (while developing)")
    parser.add_argument("--ratelimit-storage", default=os.environ.get("BENCH_RATELIMIT", "redis://127.0.0.1:6379/5"))
    parser.add_argument("--yes-destroy", metavar="URL", help="generate into this non-scratch database (emptied)")
    parser.add_argument("--out", default=str(ROOT / "instance" / "bench"), help="where the JSON results go")
    parser.add_argument("--inprocess", help=argparse.SUPPRESS)
    parser.add_argument("--pages-json", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=7, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.inprocess:  # the child that measures queries and in-process time
        pages = [Page(**p) for p in json.loads(args.pages_json)]
        print(json.dumps(inprocess(args.inprocess, pages, args.runs)))
        return
    if args.quick:
        args.rounds, args.duration, args.warmup = 2, 3, 1
    ensure_wrk()
    if args.ratelimit_storage.startswith("redis://"):
        try:
            import redis

            redis.Redis.from_url(args.ratelimit_storage).ping()
        except Exception:  # no Redis here: each worker counts for itself
            args.ratelimit_storage = "memory://"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    reports = []
    for name in [d.strip() for d in args.databases.split(",") if d.strip()]:
        if name == "sqlite":
            path = Path(args.sqlite) if args.sqlite else out / f"bench-city-{args.sqlite_scale}.db"
            path.parent.mkdir(parents=True, exist_ok=True)
            url, scale, title = f"sqlite:///{path.resolve()}", args.sqlite_scale, "SQLite"
        elif name == "postgresql":
            url, scale, title = args.postgres, args.pg_scale, "PostgreSQL"
        else:
            parser.error(f"unknown database {name!r}")
        started = datetime.now(timezone.utc)
        summary = run_database(title, url, scale, args)
        summary["date"] = started.strftime("%Y-%m-%d %H:%M UTC")
        summary["machine"] = machine()
        stamp = started.strftime("%Y%m%d-%H%M")
        (out / f"http-{name}-{stamp}.json").write_text(json.dumps(summary, indent=1, default=str))
        reports.append(render(summary, args))
        print("\n" + reports[-1], flush=True)
        print(f"(figures saved in {out / f'http-{name}-{stamp}.json'})", flush=True)


if __name__ == "__main__":
    main()
