"""Benchmark: outbox delivery by several worker processes on PostgreSQL.

Creates a throwaway database, migrates it, queues MESSAGES emails, starts WORKERS real
`flask mail worker` processes delivering to a local SMTP sink (aiosmtpd, in this process),
waits until every message is sent, then prints messages per second, how many each worker
process took, and the number of messages received more than once (must be 0). Cleans up.

    .venv/bin/python bench/worker_throughput.py [--messages 10000] [--workers 3]
        [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from email import message_from_bytes
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    def __init__(self):
        self.subjects: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content)
        self.subjects.append(message["Subject"])
        return "250 OK"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    url = subprocess.check_output(
        [PYTHON, str(ROOT / "scripts" / "test_database.py"), "create", args.admin_url], text=True
    ).strip()
    processes: list[subprocess.Popen] = []
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        os.environ["DATABASE_URL"] = url
        sys.path.insert(0, str(ROOT))
        from flask_migrate import upgrade
        from sqlalchemy import func, select

        from conference import create_app
        from conference.extensions import db
        from conference.mail import OutboxMessage, OutboxStatus, queue_mail

        app = create_app("development")
        with app.app_context():
            upgrade()
            for i in range(args.messages):
                queue_mail(
                    f"attendee{i}@example.org",
                    f"Bench {i:06d}",
                    "accounts/confirm",
                    user=type("U", (), {"display_name": f"Attendee {i}"})(),
                    link="http://127.0.0.1/confirm",
                    hours=1,
                )
                if i % 1000 == 999:
                    db.session.commit()
            db.session.commit()

            env = {
                **os.environ,
                "FLASK_CONFIG": "development",
                "DATABASE_URL": url,
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": str(port),
            }
            started = time.perf_counter()
            for _ in range(args.workers):
                processes.append(
                    subprocess.Popen(
                        [
                            PYTHON,
                            "-m",
                            "flask",
                            "--app",
                            "wsgi",
                            "mail",
                            "worker",
                            "--interval",
                            "0.2",
                        ],
                        cwd=ROOT,
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
            deadline = time.monotonic() + 1800
            sent = 0
            while time.monotonic() < deadline:
                db.session.commit()
                sent = db.session.scalar(
                    select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT)
                )
                if sent >= args.messages:
                    break
                time.sleep(0.5)
            elapsed = time.perf_counter() - started
            time.sleep(2)  # late duplicates would arrive now
            duplicates = sum(n - 1 for n in Counter(sink.subjects).values() if n > 1)
            print(f"messages: {args.messages}, worker processes: {args.workers}")
            print(
                f"sent: {sent}, received by the sink: {len(sink.subjects)}, "
                f"received more than once: {duplicates}"
            )
            print(
                f"elapsed (incl. worker start-up): {elapsed:.1f} s, {sent / elapsed:.0f} messages/s"
            )
            db.engine.dispose()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        controller.stop()
        subprocess.run(
            [PYTHON, str(ROOT / "scripts" / "test_database.py"), "drop", args.admin_url, url],
            check=False,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
