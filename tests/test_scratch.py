"""Tests and benchmarks never touch production: they ignore DATABASE_URL, and every destructive
command refuses a database that is not a scratch one unless named by --yes-destroy."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from marketplace import config, scratch
from marketplace.config import ROOT
from marketplace.extensions import db
from marketplace.models import Role, User

PRODUCTION = "postgresql://marketplace@127.0.0.1:1/marketplace"  # port 1: nothing could answer anyway


@pytest.mark.parametrize("url", [
    "sqlite://", "sqlite:///:memory:", "sqlite:////tmp/bench-x/bench.db", "sqlite:///instance/test.db",
    "postgresql://postgres@127.0.0.1:5432/test", "postgresql://postgres@127.0.0.1:5432/test_harden",
    "postgresql://postgres@127.0.0.1/bench", "postgresql+psycopg://u@h/scratch-2", "postgres://u@h/district_test",
])
def test_scratch_databases(url):
    assert scratch.is_scratch(url)


@pytest.mark.parametrize("url", [
    PRODUCTION, "postgresql://u@h/testimony", "postgresql://u@h/contest", "sqlite:////srv/marketplace.db",
    "sqlite:///instance/marketplace.db",
])
def test_real_databases_are_not_scratch(url):
    assert not scratch.is_scratch(url)
    with pytest.raises(scratch.NotScratch, match="--yes-destroy"):
        scratch.refuse_unless_scratch(url, None, "empty")
    with pytest.raises(scratch.NotScratch):
        scratch.refuse_unless_scratch(url, "postgresql://u@h/other", "empty")
    scratch.refuse_unless_scratch(url, url, "empty")  # named exactly: allowed


def test_yes_destroy_accepts_the_same_url_spelled_for_psycopg():
    scratch.refuse_unless_scratch(PRODUCTION, PRODUCTION.replace("postgresql://", "postgresql+psycopg://"), "x")


def test_test_configuration_never_reads_database_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", PRODUCTION)
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    assert "marketplace@" not in config.TestConfig().SQLALCHEMY_DATABASE_URI
    assert config.TestConfig().SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1/test_x")
    assert config.TestConfig().SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://postgres@127.0.0.1/test_x"
    assert config.Config().SQLALCHEMY_DATABASE_URI.endswith("/marketplace")  # the app itself still does


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "DATABASE_URL")}
    env.update(extra)
    return env


def test_pytest_refuses_a_database_that_is_not_scratch():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_scratch.py::test_yes_destroy_accepts_the_same_url_spelled_for_psycopg"],
        cwd=ROOT, env=_env(TEST_DATABASE_URL=PRODUCTION, DATABASE_URL=PRODUCTION),
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Refusing to run the tests on" in result.stdout + result.stderr


@pytest.mark.parametrize("script", ["bench/benchmark.py", "bench/lists.py", "bench/city.py"])
def test_benchmarks_refuse_a_database_that_is_not_scratch(script):
    result = subprocess.run([sys.executable, script, "--database", PRODUCTION], cwd=ROOT, env=_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "Refusing to empty and fill" in result.stderr, result.stderr


def test_the_list_benchmark_ignores_database_url(tmp_path):
    production = tmp_path / "production.db"
    with sqlite3.connect(production) as conn:
        conn.execute("CREATE TABLE precious (x)")
        conn.execute("INSERT INTO precious VALUES (1)")
    result = subprocess.run([sys.executable, "bench/lists.py", "--orgs", "20"], cwd=ROOT,
                            env=_env(DATABASE_URL=f"sqlite:///{production}"),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(production) as conn:
        assert conn.execute("SELECT x FROM precious").fetchall() == [(1,)]
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["precious"]


def test_seed_demo_refuses_a_database_with_data_unless_named(app, runner, monkeypatch):
    from marketplace.domain.core import accounts

    accounts.create_user(None, username="real-user", password="Real-district-pass-1",
                         display_name="真实用户", role=Role.admin)
    db.session.commit()
    monkeypatch.setitem(app.config, "SQLALCHEMY_DATABASE_URI", PRODUCTION)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "Refusing to load the demo" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    result = runner.invoke(args=["seed-demo", "--yes-destroy", "postgresql://marketplace@127.0.0.1:1/other"])
    assert result.exit_code != 0
    loaded = []
    monkeypatch.setattr("marketplace.demo.build_demo", lambda: loaded.append(True) or [])  # (slow; not the point)
    result = runner.invoke(args=["seed-demo", "--yes-destroy", PRODUCTION])
    assert result.exit_code == 0, result.output
    assert loaded == [True]


def test_seed_demo_refuses_production_even_when_empty(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "SQLALCHEMY_DATABASE_URI", PRODUCTION)
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "Refusing" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
