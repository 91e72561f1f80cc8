"""Shared fixtures: a migrated real database, the app, clients, a real SMTP server."""

from __future__ import annotations

import os
import socket
import threading
import time
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, exists, inspect, literal, select, text, union_all

from conference import create_app
from conference.extensions import db, limiter
from config import TestingConfig
from scripts.test_database import database_name, is_test_database

pytest_plugins = ["tests.factories"]


def _database_url(tmp_path_factory) -> str:
    """TEST_DATABASE_URL, never DATABASE_URL (a real system's); else a throwaway SQLite file."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        refuse_unless_test_database(url)
        return url
    # A file, not :memory:, so live servers in other threads share it.
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def refuse_unless_test_database(url: str) -> None:
    """Stop the run before it empties a database whose name does not say it is for tests."""
    if not is_test_database(url):
        raise pytest.UsageError(
            f"TEST_DATABASE_URL names the database {database_name(url)!r}, whose name does not "
            "mark it as a test database; the suite empties its database and will not touch "
            "this one. Create one with scripts/test_database.py create ADMIN_URL."
        )


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """Migrate an empty database to head once per run, with Alembic (never create_all)."""
    url = _database_url(tmp_path_factory)
    refuse_unless_test_database(url)
    config = type("MigrateConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url})
    app = create_app(config)
    with app.app_context():
        engine = db.engine
        if is_postgres(url):
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def app_config(database_url):
    """The config class tests run with."""
    return type("TestConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": database_url})


@pytest.fixture(scope="session")
def _shared_app(app_config):
    """One app for the run: building it (routes, OpenAPI) costs more than most tests."""
    return create_app(app_config)


@pytest.fixture
def app(_shared_app):
    """The app with its context pushed; config changes and data are undone after the test."""
    app = _shared_app
    saved_config = dict(app.config)
    mail_state = app.extensions["mail"]
    saved_mail = (mail_state.server, mail_state.port)
    ctx = app.app_context()
    ctx.push()
    limiter.reset()
    yield app
    db.session.remove()
    _empty_tables(app)
    ctx.pop()
    app.config.clear()
    app.config.update(saved_config)
    mail_state.server, mail_state.port = saved_mail


def _empty_tables(app) -> None:
    refuse_unless_test_database(str(db.engine.url.render_as_string(hide_password=False)))
    tables = list(reversed(db.metadata.sorted_tables))
    # One query names the tables that hold rows (a test fills a handful of the ~80), and only
    # those get a DELETE: about 2 ms a test instead of 8-25 ms on PostgreSQL, 6 ms on SQLite.
    # DELETE beats TRUNCATE for a handful of rows per test, on PostgreSQL too (~150 ms).
    with db.engine.begin() as conn:
        probes = [
            select(literal(table.name)).where(exists().select_from(table)) for table in tables
        ]
        holding_rows = set(conn.execute(union_all(*probes)).scalars())
        for table in tables:
            if table.name in holding_rows:
                conn.execute(table.delete())


# -- the demo congress: loaded once per run and size, copied into each test that asks -------------


class DemoSnapshots:
    """`load_demo(size)` + commit, for a test: the demo is loaded once per run and size (seconds
    each: the large one tens of seconds), its rows read back, and every test that asks gets a copy
    of those rows inserted into its empty tables, with a copy of the files it stored (proofs of
    status), in a fraction of a second. The test then has the data `flask demo load` makes.

    Ids are the ones the load gave: on SQLite the tables were empty, so the same as a load of its
    own; on PostgreSQL the sequences have moved past them when the copy was taken and never go
    back, so the rows a test adds never collide with the copied ones. Tests of the loading itself
    (tests/test_cli.py, tests/test_progress.py, the CLI in tests/abstracts/test_queries.py) still
    load the demo each time.
    """

    def __init__(self, files_root):
        self.files_root = files_root
        self.taken: dict[str, tuple[dict, int, list]] = {}

    def restore(self, size: str = "small"):
        """Copy the demo of `size` into the empty database of the current app; its DemoResult."""
        import shutil

        from flask import current_app

        from conference.demo import DemoResult
        from conference.program.models import Congress

        app = current_app
        if app.config["STORAGE_BACKEND"] != "local":
            raise RuntimeError("demo_copy stores the demo's files locally (STORAGE_BACKEND=local)")
        self._refuse_unless_empty()
        if size not in self.taken:
            self._take(app, size)
        rows, congress_id, accounts = self.taken[size]
        with db.engine.begin() as conn:
            for table in db.metadata.sorted_tables:
                if rows[table.name]:
                    conn.execute(table.insert(), rows[table.name])
        for setting, folder in (("UPLOAD_DIR", "uploads"), ("STORAGE_DIR", "storage")):
            source = self.files_root / size / folder
            if source.is_dir() and any(source.iterdir()):
                shutil.copytree(source, app.config[setting], dirs_exist_ok=True)
        return DemoResult(congress=db.session.get(Congress, congress_id), accounts=list(accounts))

    def _take(self, app, size: str) -> None:
        from flask import g

        from conference.demo import load_demo

        saved = {name: app.config[name] for name in ("UPLOAD_DIR", "STORAGE_DIR")}
        app.config["UPLOAD_DIR"] = str(self.files_root / size / "uploads")
        app.config["STORAGE_DIR"] = str(self.files_root / size / "storage")
        g_before = set(g)
        try:
            result = load_demo(size)
            db.session.commit()
            congress_id, accounts = result.congress.id, list(result.accounts)
        finally:
            app.config.update(saved)
            # What the load cached on `g` (the current congress, ...) would be stale objects.
            for name in set(g) - g_before:
                g.pop(name, None)
            db.session.remove()
        rows = {}
        with db.engine.connect() as conn:
            for table in db.metadata.sorted_tables:
                # Primary-key order: a row that points at another row of its table comes later.
                query = select(table).order_by(*table.primary_key.columns)
                rows[table.name] = [dict(row._mapping) for row in conn.execute(query)]
        self.taken[size] = (rows, congress_id, accounts)
        _empty_tables(app)

    @staticmethod
    def _refuse_unless_empty() -> None:
        from sqlalchemy import func

        from conference.accounts.models import User
        from conference.program.models import Congress

        with db.engine.connect() as conn:
            for model in (Congress, User):
                if conn.execute(select(func.count()).select_from(model)).scalar():
                    raise RuntimeError("demo_copy needs empty tables: ask for it before other data")


@pytest.fixture(scope="session")
def demo_snapshots(tmp_path_factory) -> DemoSnapshots:
    return DemoSnapshots(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def demo_copy(app, demo_snapshots):
    """`demo_copy(size="small")`: the data of `load_demo(size)` committed (a DemoResult), as a
    copy of the demo loaded once per run (DemoSnapshots); proofs go to UPLOAD_DIR as set then."""
    return demo_snapshots.restore


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Log a user in on the test client (through the session, like Flask-Login does)."""

    def __init__(self, client):
        self.client = client

    def login(self, user):
        with self.client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return user

    def logout(self):
        with self.client.session_transaction() as session:
            session.clear()


@pytest.fixture
def auth(client):
    return AuthActions(client)


# -- a real SMTP server on loopback ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collector:
    def __init__(self, sink: list):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.sink.append(message)
        return "250 Message accepted for delivery"


class SMTPServer:
    """aiosmtpd on 127.0.0.1; stop() and start() simulate an outage on the same port."""

    def __init__(self):
        self.port = free_port()
        self.messages: list[Message] = []
        self.controller = None

    def start(self):
        self.controller = Controller(
            _Collector(self.messages), hostname="127.0.0.1", port=self.port
        )
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address.lower() in m["To"].lower()]

    @staticmethod
    def text_of(message: Message) -> str:
        if message.is_multipart():
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    return part.get_payload(decode=True).decode(
                        part.get_content_charset() or "utf-8"
                    )
        return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


@pytest.fixture
def smtp(app):
    server = SMTPServer()
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False)
    app.extensions["mail"].server = "127.0.0.1"
    app.extensions["mail"].port = server.port
    yield server
    server.stop()


@pytest.fixture
def stripe_api(app):
    """Stripe's API on 127.0.0.1 (tests/stripe_standin.py), card payment switched on."""
    import logging

    from tests.stripe_standin import SECRET_KEY, WEBHOOK_SECRET, StripeStandIn

    # Alembic's fileConfig (the test schema is built by the migrations) disables the loggers
    # that existed then; tests read what the webhook logs.
    for name in (
        "conference.api.registration",
        "conference.api.money",
        "conference.registration.card",
        "conference.money.card",
    ):
        logging.getLogger(name).disabled = False
    standin = StripeStandIn().start()
    app.config.update(
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=standin.base_url,
        BASE_URL="https://congress.example.org",
    )
    yield standin
    standin.stop()


def deliver_outbox(**kwargs) -> dict:
    """Run one round of the outbox worker (tests call the same function the CLI does)."""
    from conference.mail import deliver_due

    return deliver_due(**kwargs)


# -- a live server for browser and concurrency tests ----------------------------------------------


class LiveServer:
    def __init__(self, app, port: int):
        from werkzeug.serving import make_server

        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        # shutdown() waits for serve_forever's next poll: 0.5 s by default, at every test's end.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self):
        self.thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("live server did not start")

    def stop(self):
        self.server.shutdown()


@pytest.fixture
def live_server_factory(app_config):
    """Start the app (with CSRF on, like production) on a free port in a thread."""
    servers = []

    def start(**config_overrides):
        overrides = {"WTF_CSRF_ENABLED": True, **config_overrides}
        config = type("LiveConfig", (app_config,), overrides)
        live_app = create_app(config)
        server = LiveServer(live_app, free_port())
        server.app = live_app
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


# -- a real S3-compatible object store (moto's server, in its own process) ------------------------

#: Dummy credentials and region for boto3 in this process, and no reading of ~/.aws or of
#: an instance metadata service.
S3_TEST_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


@pytest.fixture(scope="session")
def s3_server():
    """One moto S3 server per test run (`python -m moto.server` on a free loopback port);
    yields (endpoint URL, a boto3 client of it for the tests' own checks)."""
    import subprocess
    import sys

    unset = ("AWS_SESSION_TOKEN", "AWS_PROFILE")
    saved = {name: os.environ.get(name) for name in (*S3_TEST_ENVIRONMENT, *unset)}
    os.environ.update(S3_TEST_ENVIRONMENT)
    for name in unset:
        os.environ.pop(name, None)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.05)
        import boto3

        endpoint_url = f"http://127.0.0.1:{port}"
        yield (
            endpoint_url,
            boto3.session.Session().client(
                "s3", endpoint_url=endpoint_url, region_name="eu-central-1"
            ),
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class S3Bucket:
    """A bucket of the test S3 server, read with boto3 behind the app's back."""

    def __init__(self, endpoint_url: str, client, name: str):
        self.endpoint_url = endpoint_url
        self.client = client
        self.name = name

    def keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> tuple[bytes, str]:
        """(bytes, content type) of an object."""
        answer = self.client.get_object(Bucket=self.name, Key=key)
        return answer["Body"].read(), answer["ContentType"]

    def empty_and_delete(self) -> None:
        for key in self.keys():
            self.client.delete_object(Bucket=self.name, Key=key)
        self.client.delete_bucket(Bucket=self.name)


@pytest.fixture
def s3_bucket(s3_server):
    """A fresh, empty bucket for one test (deleted afterwards)."""
    import secrets

    bucket = S3Bucket(*s3_server, f"test-{secrets.token_hex(6)}")
    bucket.client.create_bucket(
        Bucket=bucket.name,
        CreateBucketConfiguration={"LocationConstraint": "eu-central-1"},
    )
    yield bucket
    bucket.empty_and_delete()


@pytest.fixture
def s3_storage(app, s3_bucket):
    """The app stores files in a fresh bucket of the test S3 server (STORAGE_BACKEND=s3)."""
    app.config.update(
        STORAGE_BACKEND="s3",
        S3_BUCKET=s3_bucket.name,
        S3_ENDPOINT_URL=s3_bucket.endpoint_url,
        S3_REGION="eu-central-1",
    )
    return s3_bucket


def table_names(engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def postgres_url_or_skip(url: str) -> str:
    if not is_postgres(url):
        pytest.skip(
            "needs PostgreSQL: run with TEST_DATABASE_URL=postgresql+psycopg://... "
            "(make test does this when a server is reachable)"
        )
    return url


@pytest.fixture
def pg_engine_url(database_url):
    return postgres_url_or_skip(database_url)


__all__ = ["create_engine", "deliver_outbox"]
