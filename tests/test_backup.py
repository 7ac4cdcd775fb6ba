"""Backups that restore (issue 11): the drill — create → restore into another, empty instance →
same rows, same files, same audit head — on the database the suite runs on (SQLite or PostgreSQL);
a damaged backup touches nothing; a non-empty instance is refused."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from werkzeug.datastructures import FileStorage

from marketplace import create_app
from marketplace.domain.core import audit
from marketplace.domain.tender import bids
from marketplace.extensions import db
from tests.factories import bid_data, bidder, pdf_bytes, published_project


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _invoke(app, *args):
    """Run a CLI command in `app` (the test's own app context would otherwise be reused)."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def _rows() -> dict[str, list[tuple]]:
    out = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        out[table.name] = [tuple(r) for r in db.session.execute(select(table).order_by(*order)).all()]
    return out


@pytest.fixture(autouse=True)
def own_uploads(app, tmp_path, monkeypatch):
    """The suite's app shares one upload folder across tests; a backup copies the whole folder, so each
    test here starts with an empty one of its own."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


@pytest.fixture
def other_instance(app, tmp_path):
    """Another, empty instance of the same kind: its own database and upload folder."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    made = []

    def _make(name: str):
        uploads = tmp_path / f"{name}-uploads"
        if url.get_backend_name() == "sqlite":
            target = f"sqlite:///{tmp_path / f'{name}.db'}"
        else:
            database = f"{url.database}_{name}"
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
                conn.execute(text(f'CREATE DATABASE "{database}"'))
            made.append(database)
            target = url.set(database=database).render_as_string(hide_password=False)
        other = create_app("testing", SQLALCHEMY_DATABASE_URI=target, UPLOAD_FOLDER=str(uploads))
        made.append(other)
        return other

    yield _make
    for thing in made:
        if isinstance(thing, str):
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{thing}" WITH (FORCE)'))
        else:
            with thing.app_context():
                db.session.remove()
                db.engine.dispose()


def _some_data():
    project, _ = published_project()
    owner = bidder()
    bid = bids.save(owner, project, bid_data())
    bids.add_attachments(owner, bid, [FileStorage(BytesIO(pdf_bytes("方案")), filename="方案.pdf"),
                                      FileStorage(BytesIO(pdf_bytes("团队")), filename="团队.pdf")])
    bids.submit(owner, bid)
    db.session.commit()


def test_restore_drill_same_rows_same_files_same_head(app, tmp_path, other_instance):
    _some_data()
    rows, head = _rows(), audit.head()
    files = _files(Path(app.config["UPLOAD_FOLDER"]))
    assert len(files) == 2 and head[0] > 0
    folder = tmp_path / "backup"

    result = app.test_cli_runner().invoke(args=["backup", "create", str(folder)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["audit_head"] == {"seq": head[0], "hash": head[1]}
    assert manifest["database"] == db.engine.dialect.name and len(manifest["files"]) == 3
    assert manifest["row_counts"]["bids"] == 1 and manifest["row_counts"]["audit_entries"] == head[0]
    if shutil.which("sha256sum"):  # anyone can check the folder with standard tools
        assert subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=folder).returncode == 0
    assert app.test_cli_runner().invoke(args=["backup", "verify", str(folder)]).exit_code == 0

    other = other_instance("restored")
    result = _invoke(other, "backup", "restore", str(folder))
    assert result.exit_code == 0, result.output
    assert "Restored and verified" in result.output
    with other.app_context():
        assert _rows() == rows
        assert audit.head() == head
        assert audit.verify_chain().ok
    assert _files(Path(other.config["UPLOAD_FOLDER"])) == files

    # restoring again over the restored instance is refused
    result = _invoke(other, "backup", "restore", str(folder))
    assert result.exit_code != 0 and "not empty" in result.output


def test_a_damaged_backup_restores_nothing(app, tmp_path, other_instance):
    _some_data()
    folder = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["backup", "create", str(folder)]).exit_code == 0
    attachment = next((folder / "uploads").rglob("*.pdf"))
    attachment.write_bytes(attachment.read_bytes().replace(b"%%EOF", b"%%EOX"))

    result = app.test_cli_runner().invoke(args=["backup", "verify", str(folder)])
    assert result.exit_code != 0 and "checksum does not match" in result.output
    other = other_instance("damaged")
    result = _invoke(other, "backup", "restore", str(folder))
    assert result.exit_code != 0 and "damaged; nothing was restored" in result.output
    with other.app_context():
        assert db.inspect(db.engine).get_table_names() == []
    assert not Path(other.config["UPLOAD_FOLDER"]).exists() or not any(Path(other.config["UPLOAD_FOLDER"]).iterdir())


def test_backups_go_into_an_empty_folder_and_need_a_manifest(app, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("x")
    result = app.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "full")])
    assert result.exit_code != 0 and "not an empty folder" in result.output
    (tmp_path / "empty").mkdir()
    result = app.test_cli_runner().invoke(args=["backup", "restore", str(tmp_path / "empty")])
    assert result.exit_code != 0 and "manifest.json is missing" in result.output


def test_a_running_instance_is_never_overwritten(app, tmp_path):
    _some_data()
    folder = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["backup", "create", str(folder)]).exit_code == 0
    before = audit.head()
    result = app.test_cli_runner().invoke(args=["backup", "restore", str(folder)])
    assert result.exit_code != 0 and "not empty" in result.output
    assert audit.head() == before
