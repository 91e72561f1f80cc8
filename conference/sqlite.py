"""Make SQLite behave like the PostgreSQL we deploy on: real transactions and foreign keys.

pysqlite's own transaction handling starts transactions late and breaks SAVEPOINT
(SQLAlchemy docs, "Serializable isolation / Savepoints / Transactional DDL"): we turn it off
and emit BEGIN ourselves. Foreign keys are off by default in SQLite; cascades need them.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection, connection_record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _on_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")
