"""Certificates for every eligible learner, issued by the background worker after the congress.

An organizer starts a run (`start_certificate_run`); the worker's periodic job (`work_due`)
claims it with a lease, works through the learners who were scanned in registration-id order
in batches, and commits each batch together with the run's cursor and progress. A learner who
already has a certificate is skipped, so a run taken over after a crash (its lease ran out)
goes on from the cursor and never issues twice. Each certificate's PDF is built and stored
with it, and it is emailed through the outbox with its download link, as a claim by the
learner would be. If the store fails, the round goes on without storing PDFs (a batch's
certificates are not held back by a file): those are built on download.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from conference.cme.attendance import learners_credits
from conference.cme.certificates import CertificatePdfs, issue_certificate, window_closes_at
from conference.cme.models import (
    AttendanceScan,
    Certificate,
    CertificateKind,
    CertificateRun,
    EvaluationReceipt,
    RunStatus,
)
from conference.cme.queries import evaluation_required, get_settings, is_cme_eligible
from conference.congresses.context import working_on
from conference.errors import Conflict
from conference.extensions import db
from conference.models import utcnow
from conference.program.faculty import get_accredited_slots
from conference.program.models import Congress
from conference.registration.queries import get_holding_registrations
from conference.timeutil import local_day_bounds

#: Learners handled per transaction.
BATCH = 200
#: A run's claim holds this long after its last batch (a killed worker's run is then taken
#: over by the next worker round).
LEASE = timedelta(minutes=2)
#: One worker round works on a run at most this long, so mail keeps flowing meanwhile.
ROUND_SECONDS = 20.0


class LostRun(Exception):
    """The run is no longer held by this worker (its lease ran out and another took it)."""


def _scanned(congress: Congress):
    return select(AttendanceScan.registration_id).where(
        AttendanceScan.congress_id == congress.id, AttendanceScan.registration_id.is_not(None)
    )


def get_active_run(congress: Congress) -> CertificateRun | None:
    return db.session.scalar(
        select(CertificateRun).where(
            CertificateRun.congress_id == congress.id,
            CertificateRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]),
        )
    )


def get_latest_run(congress: Congress) -> CertificateRun | None:
    return db.session.scalar(
        select(CertificateRun)
        .where(CertificateRun.congress_id == congress.id)
        .order_by(CertificateRun.id.desc())
        .limit(1)
    )


def start_certificate_run(
    congress: Congress, actor=None, now: datetime | None = None
) -> CertificateRun:
    """Queue "issue certificates to every eligible learner"; refused before the congress has
    ended, after the certificate window, and while a run is under way."""
    now = now or utcnow()
    if now < local_day_bounds(congress.ends_on, congress.tz)[1]:
        raise Conflict(
            _("Certificates can be issued to all learners once the congress has ended."),
            code="congress_not_ended",
        )
    if now >= window_closes_at(congress):
        raise Conflict(
            _("The certificate window has closed: claims are final."), code="claims_closed"
        )
    if get_active_run(congress) is not None:
        raise Conflict(
            _("Certificates are already being issued: wait until this run has finished."),
            code="run_under_way",
        )
    total = db.session.scalar(
        select(func.count(func.distinct(AttendanceScan.registration_id))).where(
            AttendanceScan.congress_id == congress.id,
            AttendanceScan.registration_id.is_not(None),
        )
    )
    run = CertificateRun(
        congress_id=congress.id,
        status=RunStatus.QUEUED,
        requested_by_id=getattr(actor, "id", None),
        requested_at=now,
        total=total or 0,
        done=0,
        issued=0,
        skipped=0,
        after_registration_id=0,
        attempts=0,
        error="",
    )
    db.session.add(run)
    db.session.flush()
    return run


# -- the worker ---------------------------------------------------------------------------------


def _claimable(now: datetime):
    return or_(
        CertificateRun.status == RunStatus.QUEUED,
        and_(CertificateRun.status == RunStatus.RUNNING, CertificateRun.lease_until < now),
    )


def claim_next(now: datetime | None = None) -> tuple[int, str] | None:
    """(run id, holder token) of a due run this worker now holds, or None. Commits."""
    now = now or utcnow()
    for run_id in list(
        db.session.scalars(
            select(CertificateRun.id).where(_claimable(now)).order_by(CertificateRun.id).limit(5)
        )
    ):
        token = secrets.token_hex(16)
        taken = db.session.execute(
            update(CertificateRun)
            .where(CertificateRun.id == run_id, _claimable(now))
            .values(
                status=RunStatus.RUNNING,
                holder=token,
                lease_until=now + LEASE,
                started_at=func.coalesce(CertificateRun.started_at, now),
                attempts=CertificateRun.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if taken == 1:
            return run_id, token
    db.session.commit()
    return None


def _held(run_id: int, token: str):
    return update(CertificateRun).where(
        CertificateRun.id == run_id,
        CertificateRun.holder == token,
        CertificateRun.status == RunStatus.RUNNING,
    )


def _issue_batch(
    congress,
    ids,
    registrations,
    has_certificate,
    evaluated,
    requires_evaluation,
    credits,
    now,
    pdfs,
) -> tuple[int, int]:
    """Issue the certificates of one batch: (issued, skipped)."""
    issued = skipped = 0
    for registration_id in ids:
        registration = registrations.get(registration_id)
        if (
            registration is None
            or registration_id in has_certificate
            or (requires_evaluation and registration_id not in evaluated)
            or not credits[registration_id].sessions
        ):
            skipped += 1
            continue
        learner = credits[registration_id]
        is_physician = is_cme_eligible(registration)
        if is_physician and learner.claimable <= 0:
            skipped += 1
            continue
        kind = CertificateKind.CME if is_physician else CertificateKind.ATTENDANCE
        amount = (
            Decimal(str(learner.claimable)).quantize(Decimal("0.01"))
            if is_physician
            else Decimal("0")
        )
        issue_certificate(congress, registration, kind=kind, amount=amount, now=now, pdfs=pdfs)
        issued += 1
    return issued, skipped


def run_batch(
    run_id: int,
    token: str,
    slots=None,
    now: datetime | None = None,
    pdfs: CertificatePdfs | None = None,
) -> bool:
    """Issue the next batch of a run this worker holds, with their PDFs (`pdfs`: the round's
    builder), and commit it with the run's cursor; True when the run is finished. Raises
    LostRun (after a rollback: the PDFs it stored are deleted) if the run was taken."""
    now = now or utcnow()
    pdfs = pdfs if pdfs is not None else CertificatePdfs()
    run = db.session.get(CertificateRun, run_id)
    congress = db.session.get(Congress, run.congress_id)
    ids = list(
        db.session.scalars(
            _scanned(congress)
            .where(AttendanceScan.registration_id > run.after_registration_id)
            .distinct()
            .order_by(AttendanceScan.registration_id)
            .limit(BATCH)
        )
    )
    if not ids:
        finished = db.session.execute(
            _held(run_id, token)
            .values(status=RunStatus.DONE, finished_at=now, holder=None, lease_until=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if finished != 1:
            db.session.rollback()
            raise LostRun()
        db.session.commit()
        return True
    settings = get_settings(congress)
    requires_evaluation = evaluation_required(settings)
    registrations = get_holding_registrations(congress, ids)
    has_certificate = set(
        db.session.scalars(
            select(Certificate.registration_id).where(
                Certificate.congress_id == congress.id, Certificate.registration_id.in_(ids)
            )
        )
    )
    evaluated = set(
        db.session.scalars(
            select(EvaluationReceipt.registration_id).where(
                EvaluationReceipt.congress_id == congress.id,
                EvaluationReceipt.registration_id.in_(ids),
                EvaluationReceipt.scope == "congress",
            )
        )
    )
    credits = learners_credits(congress, list(registrations), slots)
    pdfs.look_up(registrations)
    with working_on(congress):  # the emails link to this congress
        issued, skipped = _issue_batch(
            congress,
            ids,
            registrations,
            has_certificate,
            evaluated,
            requires_evaluation,
            credits,
            now,
            pdfs,
        )
    moved = db.session.execute(
        _held(run_id, token)
        .values(
            after_registration_id=ids[-1],
            done=CertificateRun.done + len(ids),
            issued=CertificateRun.issued + issued,
            skipped=CertificateRun.skipped + skipped,
            lease_until=utcnow() + LEASE,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        db.session.rollback()  # another worker holds the run: its batches count, not ours
        raise LostRun()
    db.session.commit()
    return False


def _release(run_id: int, token: str) -> None:
    """Hand an unfinished run back to the queue (the next worker round goes on with it)."""
    db.session.execute(
        _held(run_id, token)
        .values(status=RunStatus.QUEUED, holder=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _fail(run_id: int, token: str, exc: Exception) -> None:
    db.session.rollback()
    db.session.execute(
        _held(run_id, token)
        .values(
            status=RunStatus.FAILED,
            finished_at=utcnow(),
            holder=None,
            lease_until=None,
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def work_due(seconds: float = ROUND_SECONDS, clock=time.monotonic) -> str | None:
    """The worker's job: take a due run and issue batches for at most `seconds`. Commits."""
    claimed = claim_next()
    if claimed is None:
        return None
    run_id, token = claimed
    started = clock()
    slots = None
    pdfs = CertificatePdfs()
    try:
        run = db.session.get(CertificateRun, run_id)
        slots = get_accredited_slots(db.session.get(Congress, run.congress_id))
        clashes = 0
        while True:
            try:
                if run_batch(run_id, token, slots, pdfs=pdfs):
                    break
                clashes = 0
            except IntegrityError:
                # A learner claimed their own certificate while the batch ran: the batch is
                # done again (its cursor did not move) and now skips them.
                db.session.rollback()
                clashes += 1
                if clashes > 3:
                    raise
            if clock() - started >= seconds:
                _release(run_id, token)
                return f"certificate run {run_id}: continues in the next round"
    except LostRun:
        return f"certificate run {run_id}: taken over by another worker"
    except Exception as exc:  # recorded on the run for the organizer, then re-raised to the log
        _fail(run_id, token, exc)
        raise
    return f"certificate run {run_id}: done"
