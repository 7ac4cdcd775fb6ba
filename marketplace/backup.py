"""Backups that restore: `flask backup create DIR`, `flask backup verify DIR`, `flask backup restore DIR`.

A backup is a folder:

    database.sqlite3 | database.pgdump   the database (SQLite online backup API; pg_dump custom format)
    uploads/…                            every stored photo and attachment (UPLOAD_FOLDER)
    manifest.json                        format, time, database kind, Alembic revision, audit-chain head,
                                         row count per table, and the size and SHA-256 of every file
    SHA256SUMS                           the same checksums for `sha256sum -c SHA256SUMS`

The database copy, the chain head and the row counts come from one snapshot (the SQLite copy itself;
a PostgreSQL transaction whose snapshot pg_dump shares), so the manifest describes exactly what was
dumped. Uploads are written once under random names before the row naming them commits, so every
file the snapshot refers to is already on disk when the folder is copied.

`restore` checks every checksum before touching anything, refuses a target that has any table or any
upload, restores, copies the files, then verifies the audit chain and compares the head and the row
counts with the manifest."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url

from marketplace.extensions import db
from marketplace.domain.core.audit import verify_chain

FORMAT = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
UPLOADS = "uploads"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(RuntimeError):
    """A backup or a restore refused or failed; the message says why and what to do."""


@dataclass
class RestoreReport:
    entries: int
    head: str
    files: int
    tables: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- helpers -------------------------------------------------------------------------------------

def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _kind() -> str:
    name = db.engine.dialect.name
    if name not in DATABASE_FILES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def _sqlite_path() -> Path:
    name = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database or ""
    if name in ("", ":memory:") or name.startswith("file:"):
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(name)


def _libpq() -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password (which goes in PGPASSWORD, not on the command
    line where `ps` shows it) and the environment for pg_dump / pg_restore."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _tool(setting: str) -> str:
    """The pg_dump / pg_restore executable named by the PG_DUMP / PG_RESTORE setting."""
    name = current_app.config[setting]
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools of the server's version "
                          f"(Debian: postgresql-client) or set {setting} to its path.")
    return found


def _tables() -> list[str]:
    return [t.name for t in db.metadata.sorted_tables]


def _one(conn: Connection | sqlite3.Connection, query: str) -> Any:
    """The first row of a query, on a SQLAlchemy connection or a sqlite3 one."""
    if isinstance(conn, Connection):
        return conn.execute(text(query)).first()
    return conn.execute(query).fetchone()


def _counts(conn: Connection | sqlite3.Connection, names: list[str]) -> dict[str, int]:
    return {name: int(_one(conn, f'SELECT count(*) FROM "{name}"')[0]) for name in names}  # our own table names


def _head(conn: Connection | sqlite3.Connection) -> dict[str, Any]:
    row = _one(conn, "SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1")
    return {"seq": row[0], "hash": row[1]} if row else {"seq": 0, "hash": None}


def _revision(conn: Connection | sqlite3.Connection, present: set[str]) -> str | None:
    if "alembic_version" not in present:
        return None
    row = _one(conn, "SELECT version_num FROM alembic_version")
    return row[0] if row else None


def _upload_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


# --- create --------------------------------------------------------------------------------------

def create(target: str | os.PathLike[str]) -> dict[str, Any]:
    """Write a backup into `target` (a new or empty folder); return the manifest."""
    out = Path(target)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"{out} is not an empty folder: a backup goes into a new or empty folder.")
    out.mkdir(parents=True, exist_ok=True)
    out.chmod(0o700)  # sealed bids and residents' data: readable by the operator only
    kind = _kind()
    db.session.remove()
    names = _tables()
    dump = out / DATABASE_FILES[kind]
    if kind == "sqlite":
        source = sqlite3.connect(_sqlite_path())
        copy = sqlite3.connect(dump)
        try:
            source.backup(copy)  # the online backup API: a consistent copy while the site runs
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            present = {r[0] for r in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            counts = _counts(copy, [n for n in names if n in present])
            head, revision = _head(copy), _revision(copy, present)
        finally:
            copy.close()
            source.close()
    else:
        conninfo, env = _libpq()
        with db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
                present = set(inspect(conn).get_table_names())
                counts = _counts(conn, [n for n in names if n in present])
                head, revision = _head(conn), _revision(conn, present)
                done = subprocess.run(
                    [_tool("PG_DUMP"), "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                     f"--file={dump}", f"--dbname={conninfo}"], env=env, capture_output=True, text=True)
                if done.returncode:
                    raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    dump.chmod(0o600)
    files = [{"path": DATABASE_FILES[kind], "size": dump.stat().st_size, "sha256": sha256_of(dump)}]
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    for source_file in _upload_files(uploads):
        relative = source_file.relative_to(uploads).as_posix()
        copied = out / UPLOADS / relative
        copied.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source_file, copied)
        files.append({"path": f"{UPLOADS}/{relative}", "size": copied.stat().st_size, "sha256": sha256_of(copied)})
    manifest = {
        "format": FORMAT, "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "database": kind, "alembic_revision": revision, "audit_head": head, "row_counts": counts, "files": files,
    }
    (out / SUMS).write_text("".join(f"{f['sha256']}  {f['path']}\n" for f in files), encoding="utf-8")
    partial = out / f".{MANIFEST}.partial"
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    partial.replace(out / MANIFEST)  # written last: a folder without a manifest is not a backup
    return manifest


# --- verify --------------------------------------------------------------------------------------

def read_manifest(source: str | os.PathLike[str]) -> dict[str, Any]:
    path = Path(source) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{path} is missing: not a backup, or an unfinished one.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{path} is not a valid manifest: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("database") not in DATABASE_FILES:
        raise BackupError(f"{path} is not a backup manifest this version can read (format {FORMAT}).")
    return manifest


def verify(source: str | os.PathLike[str]) -> dict[str, Any]:
    """Check every file of the backup against the manifest's size and SHA-256; return the manifest."""
    root = Path(source).resolve()
    manifest = read_manifest(root)
    problems = []
    for entry in manifest["files"]:
        path = (root / entry["path"]).resolve()
        if root not in path.parents:
            problems.append(f"{entry['path']}: outside the backup folder")
        elif not path.is_file():
            problems.append(f"{entry['path']}: missing")
        elif path.stat().st_size != entry["size"] or sha256_of(path) != entry["sha256"]:
            problems.append(f"{entry['path']}: its checksum does not match the manifest")
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise BackupError("The backup is damaged; nothing was restored: " + "; ".join(problems[:5]) + more)
    return manifest


# --- restore -------------------------------------------------------------------------------------

def _refuse_non_empty(kind: str) -> None:
    if kind == "sqlite":
        path = _sqlite_path()
        if path.exists() and path.stat().st_size:
            with sqlite3.connect(path) as conn:
                tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            conn.close()
            if tables:
                raise BackupError(f"The target database {path} is not empty ({len(tables)} tables): restore into "
                                  "an empty instance (a new DATABASE_URL), never over a running one.")
    else:
        tables = inspect(db.engine).get_table_names()
        if tables:
            shown = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
            raise BackupError(f"The target database {shown} is not empty ({len(tables)} tables): restore into a "
                              "newly created database (createdb), without `flask db upgrade`.")
    if _upload_files(Path(current_app.config["UPLOAD_FOLDER"])):
        raise BackupError(f"The upload folder {current_app.config['UPLOAD_FOLDER']} is not empty: restore into an "
                          "empty instance.")


def restore(source: str | os.PathLike[str]) -> RestoreReport:
    """Restore the backup in `source` into this (empty) instance; then verify it against the manifest."""

    root = Path(source).resolve()
    manifest = verify(root)  # every checksum first: a damaged backup touches nothing
    kind = _kind()
    if manifest["database"] != kind:
        raise BackupError(f"This backup holds a {manifest['database']} database and this instance runs on {kind}: "
                          f"restore it into a {manifest['database']} database.")
    db.session.remove()
    _refuse_non_empty(kind)
    dump = root / DATABASE_FILES[kind]
    if kind == "sqlite":
        db.engine.dispose()
        target = _sqlite_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        source_db = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            source_db.backup(copy)
        finally:
            copy.close()
            source_db.close()
    else:
        conninfo, env = _libpq()
        done = subprocess.run([_tool("PG_RESTORE"), "--no-owner", "--no-privileges", "--exit-on-error",
                               "--single-transaction", f"--dbname={conninfo}", str(dump)],
                              env=env, capture_output=True, text=True)
        if done.returncode:
            raise BackupError(f"pg_restore failed (nothing was restored): {done.stderr.strip()}")
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    restored_files = 0
    for entry in manifest["files"]:
        if not entry["path"].startswith(f"{UPLOADS}/"):
            continue
        destination = uploads / entry["path"][len(UPLOADS) + 1:]
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / entry["path"], destination)
        restored_files += 1

    # what was restored must be what was backed up
    db.session.remove()
    db.engine.dispose()
    problems = []
    for entry in manifest["files"]:
        if entry["path"].startswith(f"{UPLOADS}/"):
            copied = uploads / entry["path"][len(UPLOADS) + 1:]
            if sha256_of(copied) != entry["sha256"]:
                problems.append(f"{entry['path']} differs after copying")
    report = verify_chain()
    head = manifest["audit_head"]
    if not report.ok:
        problems.append(f"audit chain broken at entry #{report.bad_seq}: {report.problem}")
    elif (report.count, report.head if report.count else None) != (head["seq"], head["hash"]):
        problems.append(f"audit head is #{report.count} {report.head}, the manifest says #{head['seq']} {head['hash']}")
    counts = _counts(db.session.connection(), list(manifest["row_counts"]))
    for table, expected in manifest["row_counts"].items():
        if counts.get(table) != expected:
            problems.append(f"table {table} has {counts.get(table)} rows, the manifest says {expected}")
    db.session.remove()
    return RestoreReport(entries=report.count, head=report.head, files=restored_files,
                         tables=len(manifest["row_counts"]), problems=problems)
