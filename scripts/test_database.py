"""Create and drop a throwaway PostgreSQL database for one test run.

python scripts/test_database.py check  ADMIN_URL
python scripts/test_database.py create ADMIN_URL          -> prints the new database's URL
python scripts/test_database.py drop   ADMIN_URL DB_URL
"""

from __future__ import annotations

import os
import re
import sys
import uuid

#: A database the test suite may empty or drop has `test` as a word of its name
#: (congress_test_1234_ab12cd34, test.sqlite, conference-test); `contest` or `latest` do not.
TEST_NAME = re.compile(r"(^|[_.-])test($|[_.-])", re.IGNORECASE)


def database_name(url: str) -> str:
    """The database's name in a SQLAlchemy/libpq URL (for SQLite: the file name)."""
    path = url.split("?", 1)[0].rstrip("/")
    if path.startswith("sqlite"):
        return os.path.basename(path.split("sqlite:///", 1)[-1]) if "///" in path else ""
    return path.rsplit("/", 1)[-1]


def is_test_database(url: str) -> bool:
    """True for an in-memory SQLite database or one whose name marks it as a test database."""
    if url.split("?", 1)[0] in ("sqlite://", "sqlite:///:memory:"):
        return True
    return bool(TEST_NAME.search(database_name(url)))


def _connect(admin_url: str):
    import psycopg

    return psycopg.connect(admin_url, autocommit=True, connect_timeout=3)


def main(argv: list[str]) -> int:
    import psycopg  # only here: the test suite imports is_test_database without a driver

    action, admin_url = argv[1], argv[2]
    if action == "check":
        try:
            with _connect(admin_url):
                return 0
        except psycopg.OperationalError:
            return 1
    if action == "create":
        name = f"congress_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with _connect(admin_url) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        print(f"{base}/{name}")
        return 0
    if action == "drop":
        name = database_name(argv[3])
        if not name.startswith("congress_test_") or not is_test_database(argv[3]):
            print(f"refusing to drop {name}: not a database this script created", file=sys.stderr)
            return 2
        with _connect(admin_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
