"""The public chain (/audit/chain.json) and the standalone verifier (scripts/verify_chain.py, standard
library only) run against a real HTTP server: the whole chain verifies, a broken entry is named,
saved checkpoints catch truncation, and no personal data or sealed content is published."""

import ast
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from marketplace.domain.core import audit, clock
from marketplace.extensions import db
from tests.conftest import tamper
from tests.factories import make_street

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "verify_chain.py"


@pytest.fixture
def server(app):
    """The app served over HTTP on a free port (the verifier is a separate process, as it would be)."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=600)


def _chain(n=5, private="13800001111"):
    street = make_street()
    for i in range(n):
        audit.append("tester", f"test.step{i}", street, {"count": i, "phone": private, "名字": "张三"})
    db.session.commit()
    return street


def test_the_verifier_uses_the_standard_library_only():
    tree = ast.parse(SCRIPT.read_text(encoding="utf-8"))
    modules = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    modules |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert modules <= set(sys.stdlib_module_names) | {"__future__"}, modules


def test_the_public_chain_hides_personal_data_and_verifies(client):
    _chain(3)
    body = client.get("/audit/chain.json").get_data(as_text=True)
    assert "13800001111" not in body and "张三" not in body and "tester" not in body
    data = client.get("/audit/chain.json").get_json()
    assert [e["seq"] for e in data["entries"]] == [1, 2, 3] and data["next"] is None
    assert data["entries"][0]["payload"] == {"count": 0}
    assert client.get("/audit/chain.json?after=2").get_json()["entries"][0]["seq"] == 3
    assert client.get("/audit/chain.json?after=-1").status_code == 404


def test_the_standalone_verifier_checks_the_whole_chain(server, monkeypatch):
    import marketplace.views.audit as views

    monkeypatch.setattr(views, "CHAIN_PAGE", 2)  # several pages
    _chain(5)
    result = _run(server)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: 5 entries verified" in result.stdout


def test_the_verifier_names_the_first_broken_entry(server):
    _chain(5)
    tamper(("UPDATE audit_entries SET action = 'test.forged' WHERE seq = 3", {}))
    result = _run(server)
    assert result.returncode == 1 and "BROKEN at entry #3" in result.stdout


def test_the_verifier_holds_the_chain_to_saved_checkpoints(server, client, tmp_path):
    street = make_street()
    for day in range(3):
        with clock.frozen(clock.now() - timedelta(days=3 - day)):
            audit.append("tester", f"test.day{day}", street, {"count": day})
    db.session.commit()
    saved = tmp_path / "saved.json"
    saved.write_text(client.get("/audit/checkpoints.json").get_data(as_text=True), encoding="utf-8")
    ok = _run(server, "--checkpoints", str(saved))
    assert ok.returncode == 0 and "all 3 saved checkpoints are in the chain" in ok.stdout, ok.stdout + ok.stderr
    tamper(("DELETE FROM audit_entries WHERE seq = 3", {}))
    truncated = _run(server, "--checkpoints", str(saved))
    assert truncated.returncode == 1 and "truncated" in truncated.stdout
    altered = tmp_path / "altered.json"
    altered.write_text(saved.read_text(encoding="utf-8").replace('"seq":1', '"seq":2', 1), encoding="utf-8")
    refused = _run(server, "--checkpoints", str(altered))
    assert refused.returncode == 2 and "signature does not match" in refused.stderr
    garbage = tmp_path / "garbage.json"
    garbage.write_text("[1, 2", encoding="utf-8")
    assert "not a checkpoint file" in _run(server, "--checkpoints", str(garbage)).stderr


def test_format_1_entries_still_verify(server):
    """Entries written before format 2 keep their own hash rule; the verifiers know both."""
    import hashlib

    from marketplace.models import AuditEntry

    body = {"seq": 1, "at": clock.now().isoformat(timespec="microseconds"), "actor": None, "actor_label": "old",
            "action": "test.legacy", "subject": ["system", None], "payload": audit.digest({"a": "b"})}
    entry = AuditEntry(seq=1, created_at=clock.now(), actor_id=None, actor_label="old", action="test.legacy",
                       subject_type="system", subject_id=None, payload={"a": "b"}, payload_digest=body["payload"],
                       prev_hash=audit.GENESIS, version=1,
                       hash=hashlib.sha256(audit.GENESIS.encode() + audit.canonical(body)).hexdigest())
    db.session.add(entry)
    db.session.commit()
    audit.append("tester", "test.new", None, {"count": 1})
    db.session.commit()
    assert audit.verify_chain().ok
    result = _run(server)
    assert result.returncode == 0 and "OK: 2 entries verified" in result.stdout, result.stdout + result.stderr
