"""Make SQLite closer to the PostgreSQL we deploy on: foreign keys and working savepoints.

pysqlite starts a transaction only before a write, so a SAVEPOINT issued first would itself
open the transaction and its RELEASE would commit (SQLAlchemy docs, "pysqlite: Serializable
isolation / Savepoints"). We open the transaction explicitly before the first savepoint.
Plain reads stay outside transactions, so a test or a second thread reading the database
never blocks the web server's writes. Foreign keys are off by default in SQLite; cascades
need them.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection, connection_record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


@event.listens_for(Engine, "savepoint")
def _before_savepoint(connection, name) -> None:
    if connection.dialect.name != "sqlite":
        return
    dbapi_connection = connection.connection.driver_connection
    if not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN")
