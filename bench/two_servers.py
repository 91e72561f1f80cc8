"""Two web servers and two workers on one machine behind a round-robin proxy: nothing lost.

The multi-server layout of docs/DEPLOYING.md, on loopback: a throwaway PostgreSQL database
with the demo congress, a moto S3 server as the object store (each web server gets its own
empty UPLOAD_DIR/STORAGE_DIR, which must still be empty at the end), Redis for the rate
limits, two gunicorn web servers, two `flask mail worker` processes (outbox and periodic jobs),
an SMTP sink (aiosmtpd) and a small round-robin HTTP proxy (below; stdlib, threads; it sets
X-Forwarded-For, skips a server that refuses connections and retries a request that is safe
to retry: GET/HEAD/PUT/DELETE, or any request carrying an Idempotency-Key).

The scenario, through the proxy unless it says which server:
  1. attendees register (API, each with its own Idempotency-Key and client address, the
     client retrying with the same key when the proxy answers 502), while one client that
     registers too often is stopped at REGISTRATION_RATE_LIMIT counted over both servers;
  2. a student registers with a proof of status on one server; the organizer (signed in
     through the proxy) downloads it from the other; the student replaces it (with the
     manage token from the confirmation email) on that other server and the organizer reads
     the new file back from the first;
  3. the organizer renames and moves a session and publishes (API; its speakers are
     emailed): both servers serve the new schedule.json and program page with the same
     ETag, and answer 304 to it;
  4. more attendees register, and midway web server 1 gets SIGTERM: the rest goes through
     web server 2; then the organizer publishes again, through what is left;
  5. the workers deliver the outbox: every message sent arrives at the sink exactly once.
It prints a summary and exits 1 when anything was lost or duplicated (2: setup failed,
3: hard timeout).

    .venv/bin/python bench/two_servers.py [--quick] [--registrations 200] [--concurrency 8]
        [--web-workers 2] [--timeout 600 (--quick: 120)] [--redis-url redis://127.0.0.1:6379/13]
        [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

--quick: 16 registrations, one gunicorn worker per server, the schema from the models
(create_all) instead of the migrations, and cheap password hashes for the demo accounts.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import itertools
import json
import logging
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _processes import (
    ADMIN_URL,
    PYTHON,
    ROOT,
    Watchdog,
    create_database,
    drop_database,
    flask,
    free_port,
    gunicorn,
    stop,
    wait_for_http,
)

ORGANIZER = "organizer@example.org"
#: Two small valid PDFs (the proof check parses them).
PDF_ONE, PDF_TWO = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 " + size + b"]>>endobj\n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n0\n%%EOF\n"
    for size in (b"595 842", b"612 792")
)
AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}


# -- HTTP -------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int  # 0: no answer (connection refused, reset, timeout)
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def json(self) -> dict:
        return json.loads(self.body)


def call(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict | None = None,
    source: str | None = None,
    timeout: float = 30,
) -> Response:
    """One request on a new connection, from loopback address `source` (127.x.y.z)."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0) if source else None
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Response(response.status, response.getheaders(), response.read())
    except (OSError, http.client.HTTPException) as exc:
        return Response(0, [], repr(exc).encode())
    finally:
        connection.close()


class RoundRobinProxy:
    """A load balancer in miniature: each request goes to the next backend in turn."""

    def __init__(self, backends: dict[str, int]):
        self.backends = list(backends.items())
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self.served: Counter = Counter()  # answers per backend
        self.refused: Counter = Counter()  # connection refused: skipped, nothing was sent
        self.broken: Counter = Counter()  # sent, but no answer came back
        self.retried = 0  # broken requests sent again to the next backend
        self.gave_up = 0  # answered 502 to the client
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):
                pass

            def relay(self):
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    self.send_error(411)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                headers.pop("X-Forwarded-For", None)
                headers["X-Forwarded-For"] = self.client_address[0]
                headers["X-Forwarded-Proto"] = "http"
                status, reason, reply_headers, data, backend = proxy.forward(
                    self.command, self.path, headers, body
                )
                self.send_response_only(status, reason)
                no_body = self.command == "HEAD" or status in (204, 304)
                for name, value in reply_headers:
                    lowered = name.lower()
                    if lowered in HOP_BY_HOP or (lowered == "content-length" and not no_body):
                        continue
                    self.send_header(name, value)
                if not no_body:
                    self.send_header("Content-Length", str(len(data)))
                self.send_header("X-Backend", backend)
                self.send_header("Connection", "close")
                self.end_headers()
                if not no_body:
                    self.wfile.write(data)

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = relay

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def forward(self, method: str, path: str, headers: dict, body: bytes | None):
        retryable = method in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS") or any(
            k.lower() == "idempotency-key" for k in headers
        )
        first = next(self._turn)
        count = len(self.backends)
        for attempt in range(count):
            name, port = self.backends[(first + attempt) % count]
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                connection.connect()
            except OSError:
                with self._lock:
                    self.refused[name] += 1
                connection.close()
                continue
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                with self._lock:
                    self.broken[name] += 1
                    if retryable and attempt + 1 < count:
                        self.retried += 1
                if retryable:
                    continue
                break
            finally:
                connection.close()
            with self._lock:
                self.served[name] += 1
            return response.status, response.reason, response.getheaders(), data, name
        with self._lock:
            self.gave_up += 1
        return 502, "Bad Gateway", [("Content-Type", "text/plain")], b"no backend answered", "-"


# -- SMTP sink --------------------------------------------------------------------------------


class Sink:
    """aiosmtpd handler keeping every message received (Message-ID, recipients, text)."""

    def __init__(self):
        self.messages: list[dict] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(
            envelope.original_content or envelope.content, policy=email_policy.default
        )
        part = message.get_body(preferencelist=("plain", "html"))
        with self._lock:
            self.messages.append(
                {
                    "message_id": (message["Message-ID"] or "").strip(),
                    "to": [a.lower() for a in envelope.rcpt_tos],
                    "subject": str(message["Subject"]),
                    "text": part.get_content() if part is not None else "",
                }
            )
        return "250 OK"

    def snapshot(self) -> list[dict]:
        with self._lock:
            return list(self.messages)

    def text_to(self, address: str, pattern: str) -> str | None:
        for message in self.snapshot():
            if address.lower() in message["to"] and re.search(pattern, message["text"]):
                return message["text"]
        return None


# -- the run ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    email: str
    status: int
    attempts: int
    reference: str | None = None
    backend: str = "-"


@dataclass
class Run:
    args: argparse.Namespace
    tmp: Path
    database_url: str = ""
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    expected: set[str] = field(default_factory=set)
    #: Client addresses are 127.<net>.x.y, <net> random per run: the rate-limit counters of
    #: another run (in Redis for a minute) are not this run's.
    net: int = 0
    client_retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append((name, bool(ok), detail))
        print(f"  [{'ok' if ok else 'FAILED'}] {name}{': ' + detail if detail else ''}", flush=True)
        return bool(ok)


STARTED = time.monotonic()


def _log(message: str) -> None:
    print(f"{time.monotonic() - STARTED:5.1f}s {message}", flush=True)


def start_moto(port: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env={**os.environ, **AWS},
        stdout=open(log, "ab"),
        stderr=subprocess.STDOUT,
    )


def load_demo(run: Run, env: dict, after_schema) -> str:
    """Schema, then `after_schema()`, then the demo congress, in this process; returns an
    organizer API token."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # the demo's sample proofs are terse
    from conference import create_app
    from conference.extensions import db
    from config import DevelopmentConfig

    class LoadConfig(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = env["DATABASE_URL"]
        STORAGE_BACKEND = "s3"
        S3_BUCKET = env["S3_BUCKET"]
        S3_ENDPOINT_URL = env["S3_ENDPOINT_URL"]
        S3_REGION = env["S3_REGION"]
        RATELIMIT_STORAGE_URI = "memory://"
        # --quick: the demo accounts get cheap password hashes (the servers check them with
        # the parameters stored in each hash, and upgrade them at the first login).
        if run.args.quick:
            ARGON2_PARAMS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}

    app = create_app(LoadConfig)
    with app.app_context():
        if run.args.quick:
            db.create_all()  # the models, as the migrations make them (tests/test_migrations)
        else:
            from flask_migrate import upgrade

            upgrade()
        after_schema()
        from conference.accounts import services as accounts
        from conference.demo import load_demo as load

        load("small")
        db.session.commit()
        token, _ = accounts.issue_api_token(accounts.get_user_by_email(ORGANIZER), 1)
        db.session.commit()
        db.engine.dispose()
    return token


def sql(run: Run, query: str, *params) -> list[tuple]:
    import psycopg

    url = run.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as connection:
        return connection.execute(query, params).fetchall()


def register(
    run: Run, port: int, email: str, category: str, source: str, proof: bytes | None = None
) -> Outcome:
    """POST .../congresses/met26/registrations; on no answer or 502/503, again, same key."""
    key = uuid.uuid4().hex
    payload = {
        "first_name": "Two",
        "last_name": email.split("@")[0].title(),
        "email": email,
        "affiliation": "Load Balancing Institute",
        "country": "AT",
        "category": category,
        "accept_terms": True,
    }
    if proof is not None:
        payload["proof"] = {
            "filename": "student-card.pdf",
            "content": base64.b64encode(proof).decode(),
        }
    headers = {"Content-Type": "application/json", "Idempotency-Key": key}
    body = json.dumps(payload).encode()
    for attempt in range(1, 7):
        response = call(
            port,
            "POST",
            "/api/v1/congresses/met26/registrations",
            body=body,
            headers=headers,
            source=source,
        )
        if response.status in (0, 502, 503) and attempt < 6:
            with run.lock:
                run.client_retries += 1
            time.sleep(0.2 * attempt)
            continue
        reference = None
        if response.status in (200, 201):
            reference = response.json().get("reference")
        outcome = Outcome(
            email, response.status, attempt, reference, response.header("X-Backend") or "-"
        )
        with run.lock:
            run.outcomes.append(outcome)
        return outcome
    raise AssertionError("unreachable")


def source_address(run: Run, index: int) -> str:
    """A client address of its own for attendee `index` (127.<net>.x.y, x < 200)."""
    return f"127.{run.net}.{index // 250}.{index % 250 + 1}"


def register_many(run, port, indexes, categories, pool_size, on_done=None) -> None:
    def one(index: int) -> None:
        email = f"twoserver-{index:05d}@example.org"
        with run.lock:
            run.expected.add(email)
        register(run, port, email, categories[index % len(categories)], source_address(run, index))
        if on_done:
            on_done()

    with ThreadPoolExecutor(max_workers=pool_size) as pool:
        list(pool.map(one, indexes))


class Browser:
    """Cookies by hand (the app's cookies are host-only, no Secure flag here)."""

    def __init__(self, source: str):
        self.source = source
        self.cookies: dict[str, str] = {}

    def request(self, port, method, path, *, body=None, headers=None) -> Response:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = call(port, method, path, body=body, headers=headers, source=self.source)
        for raw in response.all("Set-Cookie"):
            name, _, value = raw.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return response

    def login(self, port: int, email: str, password: str) -> Response:
        page = self.request(port, "GET", "/login")
        match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.body)
        if not match:
            raise RuntimeError(f"no csrf_token on /login ({page.status})")
        from urllib.parse import urlencode

        form = urlencode(
            {"csrf_token": match.group(1).decode(), "email": email, "password": password}
        ).encode()
        return self.request(
            port,
            "POST",
            "/login",
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )


def multipart(field_name: str, filename: str, content: bytes, content_type: str):
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def etags(port: int, path: str, times: int) -> set[str | None]:
    """The ETags one server gives `path` over `times` requests (any of its workers)."""
    seen = set()
    for _ in range(times):
        response = call(port, "GET", path)
        seen.add(response.header("ETag") if response.status == 200 else f"status {response.status}")
    return seen


def publish(run: Run, port: int, token: str, session: dict, title: str, shift: int):
    """Rename `session` and move it by `shift` minutes (its speakers are told), publish."""
    bearer = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    change = {"title": title}
    for name in ("starts_at", "ends_at"):
        moved = datetime.fromisoformat(session[name]) + timedelta(minutes=shift)
        change[name] = moved.isoformat()
    patched = call(
        port,
        "PATCH",
        f"/api/v1/congresses/met26/sessions/{session['id']}",
        body=json.dumps(change).encode(),
        headers=bearer,
    )
    if patched.status != 200:
        run.check("session renamed", False, f"{patched.status} {patched.body[:200]!r}")
        return None
    conflicts = call(port, "GET", "/api/v1/congresses/met26/program/conflicts", headers=bearer)
    keys = [c["key"] for c in conflicts.json()["conflicts"]] if conflicts.status == 200 else []
    response = call(
        port,
        "POST",
        "/api/v1/congresses/met26/program/publish",
        body=json.dumps({"acknowledge": keys}).encode(),
        headers=bearer,
    )
    if response.status != 201:
        run.check("published", False, f"{response.status} {response.body[:300]!r}")
        return None
    return response.json()


def same_version_everywhere(run: Run, ports: dict[str, int], before: dict[str, str], label: str):
    """Every live server serves the new schedule.json and program page, with one ETag."""
    for path in ("/met26/program/schedule.json", "/met26/program"):
        seen = {name: etags(port, path, 3) for name, port in ports.items()}
        values = set().union(*seen.values())
        one = (
            len(values) == 1
            and None not in values
            and not str(next(iter(values))).startswith("status")
        )
        tag = next(iter(values)) if one else None
        new = one and tag != before.get(path)
        run.check(
            f"{label}: {path} has one new ETag on {' and '.join(ports)}",
            one and new,
            f"{tag}" if one else f"{seen}",
        )
        if one:
            revalidated = [
                call(port, "GET", path, headers={"If-None-Match": tag}).status
                for port in ports.values()
            ]
            run.check(
                f"{label}: {path} revalidated (304) on {' and '.join(ports)}",
                all(s == 304 for s in revalidated),
                str(revalidated),
            )
            before[path] = tag


def scenario(run: Run, web: dict[str, int], proxy: RoundRobinProxy, sink: Sink, token: str):
    args = run.args
    limit = args.rate_limit
    categories_response = call(
        proxy.port, "GET", "/api/v1/congresses/met26/registration/categories"
    )
    categories = categories_response.json()["categories"]
    open_slugs = [c["slug"] for c in categories if not c.get("requires_proof")]
    proof_slug = next(c["slug"] for c in categories if c.get("requires_proof"))

    before = {}
    for path in ("/met26/program/schedule.json", "/met26/program"):
        tags = set().union(*(etags(port, path, 2) for port in web.values()))
        before[path] = next(iter(tags)) if len(tags) == 1 else None
    run.check(
        "both servers serve the demo program with one ETag", all(before.values()), str(before)
    )

    # 1. registrations through the proxy, both servers up
    half = args.registrations // 2
    _log(f"registering {half} attendees through the proxy (both servers)")
    register_many(run, proxy.port, range(half), open_slugs, args.concurrency)

    _log(f"one client registering {limit + 2} times (limit {limit} per minute per client)")
    hoarder = [
        register(
            run, proxy.port, f"twoserver-h{n}@example.org", open_slugs[0], f"127.{run.net}.200.1"
        )
        for n in range(limit + 2)
    ]
    accepted = [o for o in hoarder if o.status in (200, 201)]
    limited = [o for o in hoarder if o.status == 429]
    run.expected.update(o.email for o in accepted)
    run.check(
        "rate limit counted over both servers (Redis)",
        len(accepted) == limit and len(limited) == 2,
        f"{len(accepted)} accepted, {len(limited)} refused with 429, served by "
        f"{dict(Counter(o.backend for o in hoarder))}",
    )

    # 2. proof of status: stored through one server, read through the other
    _log("proof of status on one server, read back on the other")
    student = "twoserver-student@example.org"
    run.expected.add(student)
    outcome = register(run, proxy.port, student, proof_slug, f"127.{run.net}.201.1", proof=PDF_ONE)
    run.check(
        "student registered with a proof of status",
        outcome.status == 201 and outcome.reference,
        f"{outcome.status} via {outcome.backend}",
    )
    names = list(web)
    first = outcome.backend if outcome.backend in web else names[0]
    other = names[1] if first == names[0] else names[0]
    organizer = Browser(f"127.{run.net}.202.1")
    login = organizer.login(proxy.port, ORGANIZER, "Metastasis-2026")
    run.check(
        "organizer signed in through the proxy",
        login.status == 302,
        f"{login.status} via {login.header('X-Backend')}",
    )
    proof_path = f"/met26/manage/registrations/{outcome.reference}/proof-file"
    read = organizer.request(web[other], "GET", proof_path)
    run.check(
        f"proof stored via {first} read back from {other}",
        read.status == 200 and read.body == PDF_ONE,
        f"{read.status}, {len(read.body)} B",
    )

    # 3. publish through the proxy: both servers serve the new version
    _log("the organizer renames a session and publishes")
    sessions = call(proxy.port, "GET", "/api/v1/congresses/met26/sessions").json()["sessions"]
    session = sessions[0]
    published = publish(run, proxy.port, token, session, f"{session['title']} (moved)", 5)
    if published:
        run.check(
            "published",
            True,
            f"version {published['version']}, {published['messages']} emails queued",
        )
        same_version_everywhere(run, web, before, "after publishing")

    # 2b. the student replaces the proof (manage token from the confirmation email, which
    # waited behind the demo's emails in the outbox) through the other server
    _log("waiting for the student's email; the proof replaced through the other server")
    deadline = time.monotonic() + (60 if args.quick else 180)
    text = None
    while time.monotonic() < deadline and text is None:
        text = sink.text_to(student, r"/met26/registration/manage/")
        time.sleep(0.1)
    link = re.search(r"/met26/registration/manage/([A-Za-z0-9-]+)/([A-Za-z0-9_.-]+)", text or "")
    run.check("the student's confirmation email (with the manage link) arrived", link is not None)
    if link:
        body, content_type = multipart("proof", "replacement.pdf", PDF_TWO, "application/pdf")
        uploaded = call(
            web[other],
            "POST",
            f"/api/v1/congresses/met26/registrations/{link.group(1)}/proof",
            body=body,
            headers={"Content-Type": content_type, "X-Manage-Token": link.group(2)},
            source=f"127.{run.net}.201.1",
        )
        read = organizer.request(web[first], "GET", proof_path)
        run.check(
            f"proof replaced via {other} read back from {first}",
            uploaded.status == 200 and read.status == 200 and read.body == PDF_TWO,
            f"upload {uploaded.status}, read {read.status}",
        )

    # 4. more registrations; web server 1 stopped midway
    rest = range(half, args.registrations)
    stop_after = max(1, len(rest) // 3)
    done = Counter()
    stopped = threading.Event()
    victim_name = names[0]
    victim = run.processes[victim_name]

    def on_done():
        with run.lock:
            done["n"] += 1
            due = done["n"] >= stop_after and not stopped.is_set()
            if due:
                stopped.set()
        if due:
            _log(f"SIGTERM to {victim_name} (pid {victim.pid}) with registrations in flight")
            victim.send_signal(signal.SIGTERM)

    _log(f"registering {len(rest)} more attendees; {victim_name} is stopped midway")
    register_many(run, proxy.port, rest, open_slugs, args.concurrency, on_done)
    with contextlib.suppress(subprocess.TimeoutExpired):
        victim.wait(30)
    run.check(
        f"{victim_name} stopped (SIGTERM)", victim.poll() is not None, f"exit code {victim.poll()}"
    )
    alive = {n: p for n, p in web.items() if n != victim_name}
    survivors = [call(proxy.port, "GET", "/healthz").header("X-Backend") for _ in range(4)]
    run.check(
        f"the proxy sends everything to {', '.join(alive)} now",
        set(survivors) == set(alive),
        str(survivors),
    )

    published = publish(run, proxy.port, token, session, f"{session['title']} (back)", 0)
    if published:
        run.check("published with one server left", True, f"version {published['version']}")
        same_version_everywhere(run, alive, before, "after the second publication")


def wait_for_mail(run: Run, sink: Sink, deadline: float) -> dict:
    """Until nothing is queued or being sent and the sink holds every message sent."""
    while True:
        counts = dict(sql(run, "SELECT status, count(*) FROM outbox_messages GROUP BY status"))
        pending = counts.get("queued", 0) + counts.get("sending", 0)
        if (not pending and len(sink.snapshot()) >= counts.get("sent", 0)) or (
            time.monotonic() > deadline
        ):
            time.sleep(0.5)  # a late duplicate would arrive now
            return dict(sql(run, "SELECT status, count(*) FROM outbox_messages GROUP BY status"))
        time.sleep(0.2)


def files_under(path: Path) -> int:
    return sum(1 for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small numbers, schema from the models: for CI (well under 60 s)",
    )
    parser.add_argument("--registrations", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument(
        "--web-workers", type=int, default=None, help="gunicorn workers per server (2; quick: 1)"
    )
    parser.add_argument("--rate-limit", type=int, default=4, help="registrations per client")
    parser.add_argument("--timeout", type=float, default=None, help="hard limit in seconds")
    parser.add_argument("--admin-url", default=ADMIN_URL)
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    )
    args = parser.parse_args()
    args.registrations = max(4, min(args.registrations or (16 if args.quick else 200), 5000))
    args.concurrency = max(1, min(args.concurrency or (4 if args.quick else 8), 64))
    args.web_workers = max(1, min(args.web_workers or (1 if args.quick else 2), 8))
    args.timeout = args.timeout or (120 if args.quick else 600)
    started = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="two-servers-") as tmp_name:
        run = Run(args, Path(tmp_name), net=random.randint(10, 250))
        hooks: list = []

        def clean_up():
            for hook in reversed(hooks):
                with contextlib.suppress(Exception):
                    hook()
            hooks.clear()
            stop(list(run.processes.values()), grace=5)
            if run.database_url:
                drop_database(run.database_url, args.admin_url)
                run.database_url = ""

        watchdog = Watchdog(args.timeout, clean_up)
        try:
            return _main(run, args, started, hooks)
        except Exception:
            traceback.print_exc()
            for log in sorted(run.tmp.glob("*.log")):
                print(f"--- {log.name} (last lines)")
                print("\n".join(log.read_text(errors="replace").splitlines()[-15:]))
            return 2
        finally:
            watchdog.cancel()
            clean_up()


def _main(run: Run, args, started: float, hooks: list) -> int:
    from aiosmtpd.controller import Controller

    tmp = run.tmp
    os.environ.update(AWS)  # boto3 here, moto and every process started below
    run.database_url = create_database(args.admin_url)
    moto_port, smtp_port = free_port(), free_port()
    run.processes["moto"] = start_moto(moto_port, tmp / "moto.log")
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    hooks.append(controller.stop)

    web_ports = {"web1": free_port(), "web2": free_port()}
    proxy = RoundRobinProxy(web_ports)
    proxy.start()
    hooks.append(proxy.close)
    bucket = f"two-servers-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        **AWS,
        "FLASK_CONFIG": "production",
        "SECRET_KEY": "two-servers-bench-only",
        "DATABASE_URL": run.database_url,
        "REDIS_URL": args.redis_url,
        "BASE_URL": f"http://127.0.0.1:{proxy.port}",
        "SESSION_COOKIE_SECURE": "0",
        "TRUST_PROXY_HEADERS": "1",
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
        "S3_REGION": "eu-central-1",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "REGISTRATION_RATE_LIMIT": f"{args.rate_limit} per minute",
        "PUBLIC_CACHE_SECONDS": "0",
    }
    wait_for_http(f"http://127.0.0.1:{moto_port}/", time.monotonic() + 20, run.processes["moto"])
    import boto3

    boto3.session.Session(**{"region_name": "eu-central-1"}).client(
        "s3",
        endpoint_url=env["S3_ENDPOINT_URL"],
    ).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})

    # The web servers start (importing the app takes a while) while the demo loads; each
    # server and worker has directories of its own that must stay empty.
    for name, port in web_ports.items():
        server_env = {
            **env,
            "UPLOAD_DIR": str(tmp / name / "uploads"),
            "STORAGE_DIR": str(tmp / name / "storage"),
        }
        run.processes[name] = gunicorn(
            port, server_env, workers=args.web_workers, threads=4, log_path=tmp / f"{name}.log"
        )

    def start_workers():  # as soon as their tables exist; their start overlaps the demo's
        for index in (1, 2):
            run.processes[f"worker{index}"] = flask(
                ["mail", "worker", "--interval", "0.2"],
                {
                    **env,
                    "UPLOAD_DIR": str(tmp / f"worker{index}" / "uploads"),
                    "STORAGE_DIR": str(tmp / f"worker{index}" / "storage"),
                },
                tmp / f"worker{index}.log",
            )

    t0 = time.monotonic()
    token = load_demo(run, env, start_workers)
    _log(
        f"demo congress loaded in {time.monotonic() - t0:.1f} s "
        f"({'schema from the models' if args.quick else 'migrations'})"
    )
    for name, port in web_ports.items():
        wait_for_http(
            f"http://127.0.0.1:{port}/healthz", time.monotonic() + 30, run.processes[name]
        )
    _log(
        f"2 web servers x {args.web_workers} workers, 2 mail workers, proxy on "
        f":{proxy.port}; up after {time.monotonic() - started:.1f} s"
    )

    scenario_started = time.monotonic()
    try:
        scenario(run, web_ports, proxy, sink, token)
    except Exception as exc:  # a broken scenario is a failed check, with the summary
        traceback.print_exc()
        run.check("scenario ran to the end", False, repr(exc))
    scenario_seconds = time.monotonic() - scenario_started

    _log("waiting for the workers to deliver the outbox")
    statuses = wait_for_mail(run, sink, time.monotonic() + (20 if args.quick else 120))
    received = sink.snapshot()
    sent_ids = {
        row[0] for row in sql(run, "SELECT message_id FROM outbox_messages WHERE status = 'sent'")
    }
    received_ids = Counter(m["message_id"] for m in received)
    mail_duplicates = sum(n - 1 for n in received_ids.values() if n > 1)
    mail_lost = (
        len(sent_ids - set(received_ids))
        + statuses.get("failed", 0)
        + statuses.get("queued", 0)
        + statuses.get("sending", 0)
    )
    unknown = len(set(received_ids) - sent_ids)
    for kind, error, count in sql(
        run,
        "SELECT kind, left(coalesce(last_error, ''), 300), count(*) FROM outbox_messages "
        "WHERE status = 'failed' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5",
    ):
        print(f"failed mail              {count} x {kind}: {error}")

    rows = sql(
        run,
        "SELECT email_key, count(*) FROM registrations "
        "WHERE email_key LIKE 'twoserver-%%' GROUP BY email_key",
    )
    created = dict(rows)
    registration_duplicates = sum(n - 1 for n in created.values() if n > 1)
    registrations_lost = len(run.expected - set(created))
    unexpected = len(set(created) - run.expected)
    answers = Counter(o.status for o in run.outcomes)
    local_files = sum(files_under(tmp / name) for name in (*web_ports, "worker1", "worker2"))

    total = time.monotonic() - started
    print("\n== two web servers, two workers, one proxy ==")
    print(
        f"requests per server      {dict(proxy.served)} through the proxy "
        f"(refused: {dict(proxy.refused)}, broken: {dict(proxy.broken)}, "
        f"proxy retries {proxy.retried}, 502 to clients {proxy.gave_up})"
    )
    print(
        f"registration answers     {dict(answers)}; client retries (same key) {run.client_retries}"
    )
    print(
        f"registrations            expected {len(run.expected)}, created {len(created)}, "
        f"duplicates {registration_duplicates}, lost {registrations_lost}, "
        f"unexpected {unexpected}"
    )
    print(
        f"mails                    sent {len(sent_ids)}, received {len(received)}, "
        f"duplicates {mail_duplicates}, lost {mail_lost}, not from the outbox {unknown} "
        f"(outbox: {statuses})"
    )
    print(f"files on servers' disks  {local_files}")
    failed = [name for name, ok, _ in run.checks if not ok]
    print(
        f"checks                   {len(run.checks) - len(failed)} of {len(run.checks)} ok"
        + (f"; FAILED: {'; '.join(failed)}" if failed else "")
    )
    print(f"time                     {total:.1f} s (scenario {scenario_seconds:.1f} s)")
    lost = registrations_lost + mail_lost
    duplicates = registration_duplicates + mail_duplicates
    print(f"duplicates = {duplicates}, lost = {lost}")
    ok = not (lost or duplicates or unexpected or unknown or local_files or failed)
    print("RESULT: " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
