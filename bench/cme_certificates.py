"""Benchmark: certificates for every eligible learner, issued by the background worker.

Creates a throwaway PostgreSQL database, migrates it, and sets up a congress that ended two
days ago: LEARNERS physicians (CME-eligible, confirmed, congress evaluated), 4 rooms x 4
accredited sessions x 3 days, and about 20 door scans per learner (10 sessions in and out;
60,000 scans for 3,000 learners). An organizer's run is queued, then one real
`flask mail worker` process (delivering to an SMTP sink in this process) issues the
certificates in batches, builds and stores each one's PDF (local storage in a temporary
directory) and queues their emails. Printed: the load average before and after, the time
from the queued run to its end, learners per second, the worker's peak RSS (VmHWM),
certificates and emails counted in the database (one each, none twice), the PDFs stored
(each certificate's object read back from the store and checked to be a PDF), and the time
to build one certificate PDF in this process.

    .venv/bin/python bench/cme_certificates.py [--learners 3000]
        [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

Measured (3 December 2026, default sizes; the machine has 2 cores shared with other helpers'
jobs, so the load average is printed with the figures):
- before the run stored PDFs: 114.4 s at load average 11-12, 9.6 s on the quiet machine, and
  14.6 s at load average 1.3-1.5 (the same code again, for comparison with the next lines);
- each certificate's PDF built and stored by the run (local storage, fsync'd), load average
  1.1-1.3: 55.3 s from the queued run to its end, worker start-up included (52.3 s the run
  itself, about 3 s a batch of 200), 3,000 PDFs stored (129 MiB), none left for download,
  worker peak RSS 201 MiB; with rl-accel (reportlab's C accelerator, now in requirements.txt):
  48.3 s (45.1 s);
- the same at load average 9-10 (other helpers' jobs): 78.8 s (75.0 s); with rl-accel 56.1 s
  (52.0 s). Target (issue 10): under two minutes.
A certificate PDF took 18 ms to build before the QR code became vector squares with a fixed
mask and the font runs of recurring lines were cached; now about 9 ms, 6-7 ms with rl-accel
(load average 4-5).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as clock

import _common as bench

SLOTS = ((9, 0, 10, 30), (11, 0, 12, 30), (14, 0, 15, 30), (16, 0, 17, 30))


class Sink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def set_up(learners: int) -> int:
    """The congress, its sessions, learners, scans and evaluation receipts; the congress id."""
    from sqlalchemy import insert

    from conference.cme import services as cme_services
    from conference.cme.models import AttendanceScan, EvaluationReceipt
    from conference.demo.core import make_congress
    from conference.extensions import db
    from conference.models import utcnow
    from conference.program import services as program
    from conference.program.schedule_models import ProgramSession, SessionFormat
    from conference.registration import services as registration
    from conference.registration.models import (
        FeePeriod,
        ProofStatus,
        Registration,
        RegistrationStatus,
    )
    from conference.registration.tokens import new_reference, new_salt
    from conference.timeutil import local_to_utc

    congress = make_congress()
    today = utcnow().date()
    congress.starts_on, congress.ends_on = today - timedelta(days=4), today - timedelta(days=2)
    rooms = [program.create_room(congress, name=f"Hall {n}", capacity=800) for n in "ABCD"]
    category = registration.create_category(
        congress, name="Oncologist", is_prescriber=True, is_cme_eligible=True
    )
    cme_services.update_settings(congress, accreditor="eaccme")
    db.session.flush()
    tz = congress.tz
    sessions = []
    for day in range(3):
        date = congress.starts_on + timedelta(days=day)
        for h1, m1, h2, m2 in SLOTS:
            for room in rooms:
                sessions.append(
                    ProgramSession(
                        congress_id=congress.id,
                        title=f"Session {len(sessions) + 1}",
                        format=SessionFormat.ORAL,
                        room=room,
                        starts_at=local_to_utc(datetime.combine(date, clock(h1, m1)), tz),
                        ends_at=local_to_utc(datetime.combine(date, clock(h2, m2)), tz),
                        is_accredited=True,
                    )
                )
    db.session.add_all(sessions)
    now = utcnow()
    people = [
        Registration(
            congress_id=congress.id,
            reference=new_reference("MET", 6),
            manage_salt=new_salt(),
            category_id=category.id,
            status=RegistrationStatus.CONFIRMED,
            first_name="Learner",
            last_name=f"Nº {n:05d} Łukasiewicz",
            email=f"learner{n}@example.org",
            country="AT",
            terms_accepted_at=now,
            fee_period=FeePeriod.EARLY,
            fee_amount=0,
            currency="EUR",
            proof_status=ProofStatus.NOT_NEEDED,
        )
        for n in range(learners)
    ]
    db.session.add_all(people)
    db.session.flush()
    scans, receipts = [], []
    for n, person in enumerate(people):
        # 10 of the 12 slots, in one of the 4 rooms: in a few minutes late, out at the end.
        skipped = {n % 12, (n + 5) % 12}
        for slot in (k for k in range(12) if k not in skipped):
            s = sessions[slot * 4 + (n + slot) % 4]
            for moment, direction in (
                (s.starts_at + timedelta(minutes=n % 7), "in"),
                (s.ends_at, "out"),
            ):
                scans.append(
                    {
                        "congress_id": congress.id,
                        "client_id": f"{person.id}-{s.id}-{direction}",
                        "registration_id": person.id,
                        "room_id": s.room_id,
                        "direction": direction,
                        "scanned_at": moment,
                        "received_at": now,
                    }
                )
        receipts.append(
            {"congress_id": congress.id, "registration_id": person.id, "scope": "congress"}
        )
    for start in range(0, len(scans), 10_000):
        db.session.execute(insert(AttendanceScan), scans[start : start + 10_000])
    db.session.execute(insert(EvaluationReceipt), receipts)
    db.session.commit()
    print(f"set up: {learners} learners, {len(sessions)} sessions, {len(scans)} scans")
    return congress.id


def peak_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=3000)
    parser.add_argument("--admin-url", default=bench.ADMIN_URL)
    parser.add_argument("--timeout", type=float, default=900, help="seconds before giving up")
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    sink = Sink()
    port = bench.free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    worker = None
    print("load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    files = tempfile.TemporaryDirectory(prefix="bench-certificates-")
    try:
        with bench.throwaway_database(args.admin_url) as url:
            app = bench.app_for_setup(url, bench.ROOT)
            app.config.update(STORAGE_BACKEND="local", STORAGE_DIR=files.name)
            with app.app_context():
                from sqlalchemy import func, select

                from conference import storage
                from conference.cme import bulk
                from conference.cme.certificates import certificate_pdf, pdf_key
                from conference.cme.models import Certificate, CertificateRun, RunStatus
                from conference.extensions import db
                from conference.mail import OutboxMessage
                from conference.program.models import Congress

                congress = db.session.get(Congress, set_up(args.learners))
                run = bulk.start_certificate_run(congress)
                db.session.commit()
                run_id = run.id
                env = {
                    **os.environ,
                    "FLASK_CONFIG": "development",
                    "DATABASE_URL": url,
                    "MAIL_SERVER": "127.0.0.1",
                    "MAIL_PORT": str(port),
                    "STORAGE_BACKEND": "local",
                    "STORAGE_DIR": files.name,
                }
                started = time.perf_counter()
                worker = subprocess.Popen(
                    [
                        bench.PYTHON,
                        "-m",
                        "flask",
                        "--app",
                        "wsgi",
                        "mail",
                        "worker",
                        "--interval",
                        "0.2",
                    ],
                    cwd=bench.ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                deadline = time.monotonic() + args.timeout
                peak = 0
                last = None
                while time.monotonic() < deadline:
                    db.session.expire_all()
                    run = db.session.get(CertificateRun, run_id)
                    peak = max(peak, peak_rss_kib(worker.pid))
                    if (run.done, run.status) != last:
                        last = (run.done, run.status)
                        print(
                            f"  {time.perf_counter() - started:6.1f} s: {run.done} of "
                            f"{run.total} learners, {run.status}"
                        )
                    if run.status in (RunStatus.DONE, RunStatus.FAILED):
                        break
                    db.session.commit()
                    time.sleep(0.5)
                elapsed = time.perf_counter() - started
                certificates = db.session.scalar(select(func.count(Certificate.id)))
                holders = db.session.scalar(
                    select(func.count(func.distinct(Certificate.registration_id)))
                )
                emails = db.session.scalar(
                    select(func.count(OutboxMessage.id)).where(
                        OutboxMessage.kind == "cme/certificate"
                    )
                )
                print(f"learners: {args.learners}, run {run.status}, error: {run.error or '-'}")
                print(
                    f"elapsed (incl. worker start-up): {elapsed:.1f} s, "
                    f"{run.done / elapsed:.0f} learners/s; issued {run.issued}, "
                    f"skipped {run.skipped}"
                )
                if run.started_at and run.finished_at:
                    print(
                        "the run itself (claimed to finished, in the worker): "
                        f"{(run.finished_at - run.started_at).total_seconds():.1f} s"
                    )
                print(f"worker peak RSS (VmHWM): {peak / 1024:.0f} MiB")
                print(
                    f"certificates: {certificates} for {holders} learners; certificate emails "
                    f"queued: {emails}; delivered to the sink so far: {sink.count}"
                )
                print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
                stored = built_on_download = 0
                for certificate in db.session.scalars(select(Certificate)):
                    try:
                        stored += storage.get(pdf_key(certificate)).startswith(b"%PDF-")
                    except storage.ObjectNotFound:
                        built_on_download += 1
                folder = os.path.join(files.name, "cme-certificates")
                size = sum(entry.stat().st_size for entry in os.scandir(folder)) if stored else 0
                print(
                    f"PDFs built and stored by the run: {stored} of {certificates} certificates "
                    f"({size / 1024 / 1024:.0f} MiB); left to be built on download: "
                    f"{built_on_download}"
                )
                sample = db.session.scalars(select(Certificate).limit(20)).all()
                with app.test_request_context():
                    certificate_pdf(congress, sample[0])  # this process loads the fonts once
                    t = time.perf_counter()
                    for certificate in sample:
                        certificate_pdf(congress, certificate)
                    per_pdf = (time.perf_counter() - t) / max(len(sample), 1)
                print(f"certificate PDF (one built in this process): {per_pdf * 1000:.1f} ms each")
                db.session.remove()
                db.engine.dispose()
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(10)
            except subprocess.TimeoutExpired:
                worker.kill()
        controller.stop()
        files.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
