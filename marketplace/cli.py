"""Command-line tasks: `flask seed-demo`, `flask audit verify`, `flask create-admin`,
`flask jobs worker|scheduler`, `flask backup create|verify|restore`."""

from __future__ import annotations

import json
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from rq import Worker

from marketplace import backup, scratch
from marketplace import demo
from marketplace.domain import deadlines
from marketplace.domain.core import accounts, checkpoints, jobs, twofactor
from marketplace.domain.core.audit import verify_chain, verify_rows
from marketplace.domain.tender.bids import verify_receipts
from marketplace.domain.core.errors import DomainError
from marketplace.domain.credit import lists
from marketplace.extensions import db
from marketplace.models import Role
from marketplace.domain.integrity import scan


def register_cli(app: Flask) -> None:
    audit_cli = AppGroup("audit", help="The hash-chained audit log.")

    @audit_cli.command("verify")
    @click.option("--checkpoints", "checkpoints_file", type=click.Path(dir_okay=False),
                  help="A saved copy of /audit/checkpoints.json: the chain must still contain every head in it.")
    @click.option("--deep", is_flag=True,
                  help="Also recompute the business rows' digests (bids, receipts, scores, awards, evaluations, "
                       "credit events, lists, settings) and name the first row that no longer matches.")
    def audit_verify(checkpoints_file: str | None, deep: bool) -> None:
        """Exit 0 when the chain is intact; otherwise name the first bad entry and exit 1."""
        saved = None
        if checkpoints_file:
            try:
                with open(checkpoints_file, encoding="utf-8") as f:
                    saved = checkpoints.parse(json.load(f))
            except OSError as exc:
                raise click.ClickException(f"Cannot read {checkpoints_file}: {exc.strerror}") from None
            except (ValueError, UnicodeDecodeError) as exc:  # not JSON, not UTF-8, or a bad checkpoint
                raise click.ClickException(f"{checkpoints_file} is not a valid checkpoint file: {exc}") from None
        report = verify_chain()
        if not report.ok:
            click.echo(f"Audit chain BROKEN at entry #{report.bad_seq}: {report.problem}", err=True)
            raise SystemExit(1)
        click.echo(f"Audit chain intact: {report.count} entries, head {report.head}")
        if deep:
            rows = verify_rows()
            if not rows.ok:
                click.echo(f"Business rows BROKEN: {rows.problems[0]}", err=True)
                for more in rows.problems[1:]:
                    click.echo(f"  also: {more}", err=True)
                raise SystemExit(1)
            click.echo(f"Business rows intact: {rows.checked} rows match their digests in the chain.")
        if saved is not None:
            held = checkpoints.hold_to(saved)
            if not held.ok:
                click.echo(f"Audit chain BROKEN against the saved checkpoints: {held.problem}", err=True)
                raise SystemExit(1)
            click.echo(f"Every saved checkpoint is in the chain ({held.checked} checked, signatures valid).")

    @audit_cli.command("new-key")
    def audit_new_key() -> None:
        """Print a new Ed25519 signing key for AUDIT_SIGNING_KEY (production: set it once, keep it secret)."""
        click.echo(checkpoints.new_key())

    app.cli.add_command(audit_cli)

    receipts_cli = AppGroup("receipts", help="Bid receipts (SHA-256 of a bid's canonical document).")

    @receipts_cli.command("verify")
    def receipts_verify() -> None:
        """Re-derive every receipt ever issued; exit 1 naming each one that does not hold."""
        checked, problems = verify_receipts()
        if problems:
            for problem in problems[:50]:
                click.echo(f"Receipt BROKEN: {problem}", err=True)
            raise SystemExit(1)
        click.echo(f"Receipts intact: {checked} receipts re-derived from the stored bids and the chain.")

    app.cli.add_command(receipts_cli)

    backup_cli = AppGroup("backup", help="Backups: the database and the uploads, with checksums.")

    @backup_cli.command("create")
    @click.argument("folder", type=click.Path(file_okay=False))
    def backup_create(folder: str) -> None:
        """Write the database, the uploads and a manifest (SHA-256 of every file, audit head) into FOLDER."""
        try:
            manifest = backup.create(folder)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from None
        head = manifest["audit_head"]
        click.echo(f"Backup written to {folder}: {manifest['database']} database, {len(manifest['files']) - 1} "
                   f"uploaded files, {sum(manifest['row_counts'].values())} rows, audit head #{head['seq']} "
                   f"{head['hash']}.")

    @backup_cli.command("verify")
    @click.argument("folder", type=click.Path(exists=True, file_okay=False))
    def backup_verify(folder: str) -> None:
        """Check every file of a backup against its manifest (an off-site copy, before relying on it)."""
        try:
            manifest = backup.verify(folder)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"Backup intact: {len(manifest['files'])} files match their SHA-256, made "
                   f"{manifest['created_at']}, audit head #{manifest['audit_head']['seq']}.")

    @backup_cli.command("restore")
    @click.argument("folder", type=click.Path(exists=True, file_okay=False))
    def backup_restore(folder: str) -> None:
        """Restore FOLDER into this instance, which must be empty (DATABASE_URL, UPLOAD_FOLDER); checks
        every checksum first and verifies the audit chain, its head and the row counts afterwards."""
        try:
            report = backup.restore(folder)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from None
        if not report.ok:
            for problem in report.problems:
                click.echo(f"Restore DOES NOT MATCH the backup: {problem}", err=True)
            raise SystemExit(1)
        click.echo(f"Restored and verified: {report.tables} tables with the backed-up row counts, "
                   f"{report.files} uploaded files, audit chain intact ({report.entries} entries, head {report.head}).")

    app.cli.add_command(backup_cli)

    two_factor_cli = AppGroup("two-factor", help="Two-factor sign-in (TOTP).")

    @two_factor_cli.command("reset")
    @click.argument("username")
    def two_factor_reset(username: str) -> None:
        """Take two-factor off an account whose phone and recovery codes are lost (e.g. the only
        administrator); its sessions end and it sets two-factor up again at its next sign-in."""
        user = accounts.find_user(username)
        if user is None:
            raise click.ClickException(f"No account named {username}.")
        twofactor.reset("cli", user)
        db.session.commit()
        click.echo(f"Two-factor sign-in reset for {user.username}; its sessions have ended.")

    @two_factor_cli.command("demo-code")
    def two_factor_demo_code() -> None:
        """The current code of the demo administrator's published secret (demo only: it computes
        the code from that public secret and reads nothing from the database)."""
        import pyotp

        click.echo(pyotp.TOTP(demo.DEMO_TOTP_SECRET).now())

    app.cli.add_command(two_factor_cli)

    deadlines_cli = AppGroup("deadlines", help="What falls due by the clock.")

    @deadlines_cli.command("tick")
    def deadlines_tick() -> None:
        """Close bidding past its deadline (or 流标) and finalize awards whose notice has ended (cron)."""
        done = deadlines.tick()
        db.session.commit()
        click.echo(f"bidding closed: {done['closed']}, awards finalized: {done['finalized']}, "
                   f"interventions opened: {done['interventions']}, reminders sent: {done['reminders']}")

    app.cli.add_command(deadlines_cli)

    integrity_cli = AppGroup("integrity", help="廉洁监督: integrity signals for the supervisor.")

    @integrity_cli.command("scan")
    def integrity_scan() -> None:
        """Compute every integrity signal over the district and keep the findings as flags."""

        started = time.monotonic()
        result = scan.scan("cli")
        db.session.commit()
        click.echo(f"integrity scan: {result['found']} findings, {result['created']} new flags, "
                   f"{result['updated']} open flags updated, {result['letters_cut']} letters cut into words "
                   f"(the others kept from earlier scans) ({time.monotonic() - started:.1f} s)")

    app.cli.add_command(integrity_cli)

    lists_cli = AppGroup("lists", help="The red/black list (红黑榜).")

    @lists_cli.command("compute")
    @click.option("--period", required=True, help="A quarter, e.g. 2026Q4.")
    def lists_compute(period: str) -> None:
        """Compute (or recompute) a period's draft list; publishing is done by the administrator's page."""
        try:
            result = lists.compute("cli", period)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        db.session.commit()
        reds = sum(1 for e in result.entries if e.kind.value == "red")
        click.echo(f"{result.code}: {reds} red, {len(result.entries) - reds} black (draft)")

    app.cli.add_command(lists_cli)

    jobs_cli = AppGroup("jobs", help="Background jobs: mail and other slow work, off the request.")

    @jobs_cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty (tests, one-off runs).")
    def jobs_worker(burst: bool) -> None:
        """Run the jobs queued in Redis (JOBS_BACKEND=rq), with retries; one process per worker."""
        if current_app.config["JOBS_BACKEND"] != jobs.RQ:
            raise click.ClickException("JOBS_BACKEND is not 'rq': jobs run in the web process, "
                                       "there is no queue to work on.")
        queue = jobs.queue(current_app)
        Worker([queue], connection=queue.connection).work(burst=burst, with_scheduler=True)

    @jobs_cli.command("scheduler")
    @click.option("--every", type=click.IntRange(min=1), default=None,
                  help="Seconds between ticks (default JOBS_TICK_SECONDS, 60).")
    @click.option("--once", is_flag=True, help="Submit one tick and stop.")
    def jobs_scheduler(every: int | None, once: bool) -> None:
        """Submit `deadlines tick` periodically: to the queue (rq) or run here (embedded)."""
        every = every or current_app.config["JOBS_TICK_SECONDS"]
        while True:
            jobs.submit(deadlines.tick)
            click.echo(f"deadlines tick submitted ({current_app.config['JOBS_BACKEND']})")
            if once:
                return
            time.sleep(every)

    app.cli.add_command(jobs_cli)

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only when the database has no users yet.")
    @click.option("--yes-destroy", metavar="URL",
                  help="Load into this database (its exact URL) although it has data or runs in production.")
    def seed_demo(if_empty: bool, yes_destroy: str | None) -> None:
        """Load the Licang demo district (idempotent). Its accounts share a public password, so a
        database with data (or a production one) gets it only when named by --yes-destroy."""
        empty = demo.is_empty()
        if if_empty and not empty:
            click.echo("The database already has data; demo not loaded.")
            return
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        if not empty or app.config.get("APP_ENV") == "production":
            try:
                scratch.refuse_unless_scratch(url, yes_destroy, "load the demo (public passwords) into")
            except scratch.NotScratch as exc:
                raise click.ClickException(str(exc)) from None
        shown = demo.build_demo()
        db.session.commit()
        click.echo("Demo district loaded. Accounts (password for all: %s):" % demo.DEMO_PASSWORD)
        for acc in shown:
            click.echo(f"  {acc.role.value:<13} {acc.username:<12} {acc.display_name} — {acc.note}")
        click.echo("  (experts expert2 … expert12 use the same password)")

    catalogue_cli = AppGroup("catalogue", help="资源清单: the service catalogue.")

    @catalogue_cli.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def catalogue_import(path: str) -> None:
        """Import a district's service list (CSV or XLSX with the headers 统一社会信用代码, 服务名称, 服务类别,
        服务内容, 服务对象, 覆盖街道, 参考价格(元), 每月服务能力): every row is listed at once, or nothing is
        imported and every error is printed with its row number (exit 1)."""
        from marketplace.domain.supply import importer

        with open(path, "rb") as f:
            data = f.read()
        result = importer.import_file("cli", data, path)
        if result.errors:
            db.session.rollback()
            click.echo(result.message, err=True)
            for error in result.errors:
                click.echo(f"  row {error.row}: {error.message}" if error.row else f"  {error.message}", err=True)
            raise SystemExit(1)
        db.session.commit()
        click.echo(f"Imported {len(result.created)} service items; they are listed.")

    app.cli.add_command(catalogue_cli)

    @app.cli.command("create-admin")
    @click.option("--username", required=True)
    @click.option("--name", "display_name", default="区级管理员")
    @click.password_option()
    def create_admin(username: str, display_name: str, password: str) -> None:
        """Create a district administrator account (first production setup)."""
        try:
            accounts.create_user("cli", username=username, password=password,
                                 display_name=display_name, role=Role.admin)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        db.session.commit()
        click.echo(f"Administrator {username} created.")
