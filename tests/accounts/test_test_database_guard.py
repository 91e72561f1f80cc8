"""The test suite uses only TEST_DATABASE_URL and never empties a database not named for tests."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.test_database import is_test_database, main
from tests.conftest import _database_url, refuse_unless_test_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:5432/congress_test_4242_ab12cd34",
        "postgresql+psycopg://ci@db.internal/conference-test",
        "sqlite:////tmp/pytest-of-ci/db0/test.sqlite",
        "sqlite://",
    ],
)
def test_databases_named_for_tests_are_accepted(url):
    assert is_test_database(url)
    refuse_unless_test_database(url)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://congress:pw@db.example.org/congress",
        "postgresql+psycopg://congress@db.example.org/contest_results",
        "postgresql+psycopg://congress@db.example.org/latest",
        "sqlite:////srv/congress/instance/conference.sqlite",
    ],
)
def test_databases_not_named_for_tests_are_refused(url):
    assert not is_test_database(url)
    with pytest.raises(pytest.UsageError, match="does not mark it as a test database"):
        refuse_unless_test_database(url)


def test_the_drop_script_refuses_a_production_database(capsys):
    status = main(
        [
            "test_database.py",
            "drop",
            "postgresql://postgres@127.0.0.1:5432/postgres",
            "postgresql+psycopg://postgres@127.0.0.1:5432/congress",
        ]
    )
    assert status == 2
    assert "refusing to drop congress" in capsys.readouterr().err


def test_the_suite_ignores_database_url(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://congress:pw@db.example.org/congress")
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    url = _database_url(tmp_path_factory)
    assert url.startswith("sqlite:///") and url.endswith("test.sqlite")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import config; print(config.TestingConfig.SQLALCHEMY_DATABASE_URI)",
        ],
        env={**os.environ, "DATABASE_URL": "postgresql+psycopg://c@db.example.org/congress"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "db.example.org" not in result.stdout


def test_pytest_leaves_a_database_not_named_for_tests_untouched(tmp_path):
    production = tmp_path / "conference.sqlite"
    with sqlite3.connect(production) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
        conn.execute("INSERT INTO users (email) VALUES ('organizer@congress.example')")
    before = production.read_bytes()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["TEST_DATABASE_URL"] = f"sqlite:///{production}"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_migrations.py",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "does not mark it as a test database" in result.stdout + result.stderr
    assert production.read_bytes() == before
