"""The benchmarks' floor: a minimal Flask app that inserts one row into PostgreSQL per request.

Served by the same gunicorn settings as the app in the same run (bench/_common.py), it
shows what this machine gives at best for "one HTTP request, one committed row": the app's
figures are reported as ratios of it. Same stack as the app (Flask, SQLAlchemy, psycopg),
nothing else: no ORM session, no templates, no rate limiting.

    FLOOR_DATABASE_URL=postgresql+psycopg://... gunicorn _floor:app
"""

from __future__ import annotations

import os

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text

engine = create_engine(
    os.environ["FLOOR_DATABASE_URL"], pool_size=10, max_overflow=10, pool_pre_ping=False
)
# The table `bench_floor` is created by bench/_common.py before gunicorn starts.
app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return "ok"


@app.post("/rows")
def insert_row():
    body = request.get_json(silent=True) or {}
    with engine.begin() as connection:
        row_id = connection.scalar(
            text("INSERT INTO bench_floor (email, body) VALUES (:email, :body) RETURNING id"),
            {"email": str(body.get("email", "")), "body": request.get_data(as_text=True)},
        )
    return jsonify(id=row_id, status="inserted"), 201
