"""Create and drop a throwaway PostgreSQL database for one test run.

python scripts/test_database.py check  ADMIN_URL
python scripts/test_database.py create ADMIN_URL          -> prints the new database's URL
python scripts/test_database.py drop   ADMIN_URL DB_URL
"""

from __future__ import annotations

import os
import sys
import uuid

import psycopg


def _connect(admin_url: str):
    return psycopg.connect(admin_url, autocommit=True, connect_timeout=3)


def main(argv: list[str]) -> int:
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
        name = argv[3].rsplit("/", 1)[1]
        if not name.startswith("congress_test_"):
            print(f"refusing to drop {name}", file=sys.stderr)
            return 2
        with _connect(admin_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
