"""The program book (PDF), built by the background worker, never in a request.

Publishing a version queues a build (`queue_book_build`, in the publishing transaction) and
supersedes any older build still pending. The worker's periodic job `build_due` (see
conference.jobs.PERIODIC_JOBS) claims a due build with a conditional UPDATE that sets a
random `holder` and a lease (`lease_until`), so any number of workers may run: each build is
built by one of them, and a killed worker's build is taken over once its lease ran out. The
lease is renewed with every progress report ("building n of m sessions"); a report that finds
the build no longer held (superseded by a newer publish) stops the build. A failed build is
tried again after a backoff (conference.mail.backoff), at most MAX_ATTEMPTS times; then an
organizer may retry it (`retry_book_build`).

The PDF goes through conference.storage (the local directory or the object store) under a key
naming the version, embargo epoch and fingerprint; the row records its ETag and size. Like
the other exports, a book is for one embargo state: when a release time passes or the embargo
changes, the worker queues the book of the new state (`queue_current_books`, each round). Until
the current book is ready, a visitor gets the newest book built under the same embargo
fingerprint, if any: whatever was public when it was built is still public, so an older book
never shows an embargoed text. With none, a "being prepared" page (503, Retry-After).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from conference import storage
from conference.abstracts.embargo import current_embargo
from conference.cme.queries import get_program_disclosure_lines
from conference.errors import Conflict
from conference.extensions import db
from conference.i18n import DEFAULT_LANGUAGE, LANGUAGES, current_language
from conference.mail import backoff
from conference.models import utcnow
from conference.program.export_store import EncodedExport, content_etag
from conference.program.exports import build_pdf
from conference.program.models import Congress
from conference.program.published import (
    PublishedProgram,
    get_published_program,
    latest_version_head,
)
from conference.program.schedule_models import BookBuildStatus, ProgramBookBuild, ProgramVersion

log = logging.getLogger(__name__)

#: A failed build is tried again by the worker (with backoff) until it failed this often.
MAX_ATTEMPTS = 5
#: A build's claim holds this long after the last progress report (a killed worker's build
#: is taken over after it).
LEASE = timedelta(minutes=3)
#: Progress is written at most this often (seconds), and at the start and the end.
PROGRESS_EVERY = 0.5
#: What the "being built" answer asks a visitor to wait (seconds).
RETRY_AFTER_SECONDS = 30
MIMETYPE = "application/pdf"
FILENAME = "program.pdf"
NAMESPACE = "program-books"

PENDING = (BookBuildStatus.QUEUED, BookBuildStatus.BUILDING, BookBuildStatus.FAILED)


class Superseded(Exception):
    """The build is no longer held by this worker (a newer publish, or a takeover)."""


# -- queueing -----------------------------------------------------------------------------------


def _same_key(version_id: int, fingerprint: str, epoch: int):
    return and_(
        ProgramBookBuild.version_id == version_id,
        ProgramBookBuild.embargo_fingerprint == fingerprint,
        ProgramBookBuild.embargo_epoch == epoch,
    )


def queue_book_build(
    congress_id: int,
    version_id: int,
    fingerprint: str,
    window: tuple[int, datetime | None, datetime | None],
    now: datetime | None = None,
) -> ProgramBookBuild:
    """Queue the book of a version for an embargo state (`window`: epoch, valid from, until);
    pending builds of other versions or states are superseded. Flushes, never commits."""
    now = now or utcnow()
    epoch, valid_from, valid_until = window
    key = _same_key(version_id, fingerprint, epoch)
    existing = db.session.scalar(select(ProgramBookBuild).where(key))
    if existing is not None and existing.status != BookBuildStatus.SUPERSEDED:
        return existing
    # Never this key's own row: a worker queueing the same state at the same moment must
    # not leave it superseded.
    db.session.execute(
        update(ProgramBookBuild)
        .where(
            ProgramBookBuild.congress_id == congress_id,
            ProgramBookBuild.status.in_(PENDING),
            ~key,
        )
        .values(
            status=BookBuildStatus.SUPERSEDED, next_attempt_at=None, holder=None, lease_until=None
        )
        .execution_options(synchronize_session=False)
    )
    if existing is not None:  # superseded, and now wanted again (the embargo came back)
        existing.status = BookBuildStatus.QUEUED
        existing.next_attempt_at = now
        existing.attempts = 0
        existing.done = 0
        existing.last_error = None
        existing.valid_from, existing.valid_until = valid_from, valid_until
        db.session.flush()
        return existing
    build = ProgramBookBuild(
        congress_id=congress_id,
        version_id=version_id,
        embargo_fingerprint=fingerprint,
        embargo_epoch=epoch,
        valid_from=valid_from,
        valid_until=valid_until,
        status=BookBuildStatus.QUEUED,
        next_attempt_at=now,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(build)
    except IntegrityError:  # queued by another worker at the same moment
        return db.session.scalar(select(ProgramBookBuild).where(key))
    return build


def retry_book_build(congress: Congress) -> ProgramBookBuild:
    """An organizer's retry of the current book after it failed: queued again, now, with a
    fresh count of attempts. Conflict (409) when the current book did not fail."""
    build = current_build(congress)
    if build is None or build.status != BookBuildStatus.FAILED:
        raise Conflict(
            _("Only a program book whose build failed can be retried."), code="book_not_failed"
        )
    build.status = BookBuildStatus.QUEUED
    build.attempts = 0
    build.next_attempt_at = utcnow()
    build.done = 0
    db.session.flush()
    return build


# -- the worker ---------------------------------------------------------------------------------


def _claimable(now: datetime):
    return or_(
        and_(
            ProgramBookBuild.status.in_([BookBuildStatus.QUEUED, BookBuildStatus.FAILED]),
            ProgramBookBuild.next_attempt_at.is_not(None),
            ProgramBookBuild.next_attempt_at <= now,
        ),
        and_(
            ProgramBookBuild.status == BookBuildStatus.BUILDING,
            ProgramBookBuild.lease_until < now,
        ),
    )


def claim_next(now: datetime | None = None) -> tuple[int, str] | None:
    """(build id, holder token) of a due build this worker now holds, or None. Commits."""
    now = now or utcnow()
    candidates = list(
        db.session.scalars(
            select(ProgramBookBuild.id)
            .where(_claimable(now))
            .order_by(ProgramBookBuild.id)
            .limit(10)
        )
    )
    for build_id in candidates:
        token = secrets.token_hex(16)
        taken = db.session.execute(
            update(ProgramBookBuild)
            .where(ProgramBookBuild.id == build_id, _claimable(now))
            .values(
                status=BookBuildStatus.BUILDING,
                holder=token,
                lease_until=now + LEASE,
                started_at=now,
                attempts=ProgramBookBuild.attempts + 1,
                next_attempt_at=None,
                done=0,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if taken == 1:
            return build_id, token
    db.session.commit()
    return None


def _held(build_id: int, token: str):
    return update(ProgramBookBuild).where(
        ProgramBookBuild.id == build_id,
        ProgramBookBuild.holder == token,
        ProgramBookBuild.status == BookBuildStatus.BUILDING,
    )


class ProgressWriter:
    """A Progress callback writing "n of m sessions" to the build row (and renewing its
    lease) at most every PROGRESS_EVERY seconds; raises Superseded once it is not held."""

    def __init__(self, build_id: int, token: str, clock=time.monotonic):
        self.build_id = build_id
        self.token = token
        self.clock = clock
        self.last: float | None = None

    def __call__(self, done: int, total: int) -> None:
        moment = self.clock()
        if self.last is not None and 0 < done < total and moment - self.last < PROGRESS_EVERY:
            return
        self.last = moment
        written = db.session.execute(
            _held(self.build_id, self.token)
            .values(done=done, total=total, lease_until=utcnow() + LEASE)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if written != 1:
            raise Superseded()


def _book_key(build: ProgramBookBuild, token: str) -> str:
    # The holder's token makes each attempt's key its own: a worker that lost its claim
    # deletes what it stored without touching the object of the one that took over.
    return storage.check_key(
        f"{NAMESPACE}/v{build.version_id}-e{build.embargo_epoch}-"
        f"{build.embargo_fingerprint[:16]}-{token[:12]}.pdf"
    )


def language_key(key: str, language: str) -> str:
    """Where the book in `language` is stored: the build's own key is the book in the default
    language (English); each other interface language has its own file beside it."""
    if language == DEFAULT_LANGUAGE:
        return key
    return storage.check_key(f"{key.removesuffix('.pdf')}-{language}.pdf")


def _all_keys(key: str) -> list[str]:
    return [language_key(key, language) for language in LANGUAGES]


def run_build(build_id: int, token: str) -> str:
    """Build, store and record one claimed build; returns what happened (for the log)."""
    from conference.congresses.context import working_on

    build = db.session.get(ProgramBookBuild, build_id)
    congress = db.session.get(Congress, build.congress_id)
    # Times, links and texts of the book are those of its congress, not the default one.
    with working_on(congress):
        return _run_build(build_id, build, congress, token)


def _run_build(build_id: int, build, congress, token: str) -> str:
    key = None
    try:
        now = utcnow()
        embargo = current_embargo(congress)
        head = latest_version_head(congress)
        # The latest version is parsed once per process and embargo state (published.py):
        # queue_current_books has just done it in this round.
        program = (
            get_published_program(congress, head=head, embargo=embargo)
            if head is not None and head.id == build.version_id
            else None
        )
        if (
            program is None
            or embargo.fingerprint != build.embargo_fingerprint
            or program.embargo_epoch(now) != build.embargo_epoch
        ):
            # A newer version or embargo state: build that one instead.
            db.session.execute(
                _held(build_id, token)
                .values(status=BookBuildStatus.SUPERSEDED, holder=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )
            if program is not None:
                window = _window_of(program, now)
                queue_book_build(congress.id, build.version_id, embargo.fingerprint, window, now)
            db.session.commit()
            return f"book of version id {build.version_id}: superseded by a newer state"
        # One book per interface language: the default one first (its layout is the
        # progress organizers see), then the others beside it.
        # The disclosure lines as they stand now, in each book's language (CME domain).
        content = build_pdf(
            program,
            now,
            progress=ProgressWriter(build_id, token),
            language=DEFAULT_LANGUAGE,
            disclosures=get_program_disclosure_lines(congress, program, DEFAULT_LANGUAGE),
        )
        key = _book_key(build, token)  # stored: removed again if this build is not kept
        storage.put(key, content, MIMETYPE)
        for language in LANGUAGES:
            if language != DEFAULT_LANGUAGE:
                translated = build_pdf(
                    program,
                    now,
                    language=language,
                    disclosures=get_program_disclosure_lines(congress, program, language),
                )
                storage.put(language_key(key, language), translated, MIMETYPE)
        total = sum(len(program.sessions_by_day[day]) for day in program.days)
        finished = db.session.execute(
            _held(build_id, token)
            .values(
                status=BookBuildStatus.READY,
                storage_key=key,
                etag=content_etag(content),
                size=len(content),
                built_at=utcnow(),
                done=total,
                total=total,
                holder=None,
                lease_until=None,
                last_error=None,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if finished != 1:
            raise Superseded()
        _forget_older(build)
        db.session.commit()
        return f"book of version {program.number}: {len(content)} bytes"
    except Superseded:
        db.session.rollback()
        _delete_quietly(key)
        return "book build superseded"
    except Exception as exc:
        db.session.rollback()
        log.exception("program book build %s failed", build_id)
        _delete_quietly(key)
        _record_failure(build_id, token, exc)
        return f"book build failed: {exc}"


def _delete_quietly(key: str | None) -> None:
    if key is None:
        return
    for stored in _all_keys(key):
        try:
            storage.get_storage().delete(stored)
        except storage.ObjectNotFound:  # not stored yet when the build stopped
            pass
        except storage.StorageError:  # a file left over is better than a lost failure record
            log.warning("could not delete %s", stored, exc_info=True)


def _forget_older(build: ProgramBookBuild) -> None:
    """Once a book is ready, the congress's older builds are never served again: their rows
    go, and their files once this commits."""
    older = db.session.execute(
        select(ProgramBookBuild.id, ProgramBookBuild.storage_key).where(
            ProgramBookBuild.congress_id == build.congress_id,
            ProgramBookBuild.id < build.id,
        )
    ).all()
    if not older:
        return
    db.session.execute(
        delete(ProgramBookBuild)
        .where(ProgramBookBuild.id.in_([row.id for row in older]))
        .execution_options(synchronize_session=False)
    )
    for row in older:
        if row.storage_key:
            for stored in _all_keys(row.storage_key):
                storage.delete_after_commit(stored)


def _record_failure(build_id: int, token: str, exc: Exception) -> None:
    attempts = db.session.scalar(
        select(ProgramBookBuild.attempts).where(ProgramBookBuild.id == build_id)
    )
    if attempts is None:
        return
    again = utcnow() + backoff(attempts) if attempts < MAX_ATTEMPTS else None
    db.session.execute(
        _held(build_id, token)
        .values(
            status=BookBuildStatus.FAILED,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=again,
            holder=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def queue_current_books(now: datetime | None = None) -> None:
    """Queue the book of each congress's latest version for the embargo state of now when it
    has none (an organizer moved a release time, a release time passed); commits. The
    snapshot is parsed once per version and embargo state in this process (published.py)."""
    now = now or utcnow()
    congress_ids = db.session.scalars(select(ProgramVersion.congress_id).distinct()).all()
    for congress_id in congress_ids:
        congress = db.session.get(Congress, congress_id)
        head = latest_version_head(congress)
        embargo = current_embargo(congress)
        program = get_published_program(congress, head=head, embargo=embargo)
        if program is not None:
            window = _window_of(program, now)
            queue_book_build(congress.id, head.id, embargo.fingerprint, window, now)
    db.session.commit()


def _window_of(program: PublishedProgram, now: datetime):
    epoch = program.embargo_epoch(now)
    valid_from = program.releases[epoch - 1] if epoch > 0 else None
    return epoch, valid_from, program.next_release_after(now)


def build_due(now: datetime | None = None, limit: int = 2) -> str | None:
    """The worker's job: queue the books missing for the embargo state of now, then build
    up to `limit` due ones (commits its own work)."""
    queue_current_books(now)
    outcomes = []
    for _attempt in range(limit):
        claimed = claim_next(now)
        if claimed is None:
            break
        outcomes.append(run_build(*claimed))
    return "; ".join(outcomes) or None


# -- serving ------------------------------------------------------------------------------------

#: This web worker's copy of the books it served: storage key -> export (the newest few: a
#: book in each language).
_MEMORY: dict[str, EncodedExport] = {}
_LOCK = threading.Lock()


@dataclass
class BookAnswer:
    """What the public book URL answers: a stored book, or None while the first is built."""

    export: EncodedExport | None
    #: The book of the current version and embargo state (False: an earlier one, served
    #: while the current one is built).
    is_current: bool
    version_number: int


def _load(storage_key: str, etag: str, built_at: datetime | None) -> EncodedExport | None:
    cached = _MEMORY.get(storage_key)
    if cached is not None:
        return cached
    try:
        content = storage.get(storage_key)
    except storage.ObjectNotFound:  # replaced by a newer book just now
        return None
    export = EncodedExport(content, b"", etag or content_etag(content), built_at)
    with _LOCK:
        # The current book in each language (and the one being replaced).
        for key in list(_MEMORY)[: -len(LANGUAGES)]:
            del _MEMORY[key]
        _MEMORY[storage_key] = export
    return export


_SERVED = (
    ProgramBookBuild.storage_key,
    ProgramBookBuild.etag,
    ProgramBookBuild.built_at,
)


def serve_book(
    congress: Congress, now: datetime | None = None, language: str | None = None
) -> BookAnswer | None:
    """The program book for a visitor now, in `language` (default: the reader's); None
    before the first publish. Reads only: the worker queues and builds the book of a new
    version or embargo state (in every interface language)."""
    now = now or utcnow()
    language = language or current_language()
    head = latest_version_head(congress)
    if head is None:
        return None
    embargo = current_embargo(congress)
    row = db.session.execute(
        select(*_SERVED)
        .where(
            ProgramBookBuild.version_id == head.id,
            ProgramBookBuild.embargo_fingerprint == embargo.fingerprint,
            ProgramBookBuild.status == BookBuildStatus.READY,
            or_(ProgramBookBuild.valid_from.is_(None), ProgramBookBuild.valid_from <= now),
            or_(ProgramBookBuild.valid_until.is_(None), ProgramBookBuild.valid_until > now),
        )
        .order_by(ProgramBookBuild.id.desc())
        .limit(1)
    ).first()
    if row is not None:
        export = _load_in(language, *row)
        if export is not None:
            return BookAnswer(export, True, head.number)
    # Built under the same embargo state: nothing in it is embargoed now.
    earlier = db.session.execute(
        select(*_SERVED)
        .where(
            ProgramBookBuild.congress_id == congress.id,
            ProgramBookBuild.embargo_fingerprint == embargo.fingerprint,
            ProgramBookBuild.status == BookBuildStatus.READY,
            ProgramBookBuild.built_at <= now,
        )
        .order_by(ProgramBookBuild.id.desc())
        .limit(1)
    ).first()
    export = _load_in(language, *earlier) if earlier is not None else None
    return BookAnswer(export, False, head.number)


def _load_in(language: str, storage_key: str, etag: str, built_at: datetime | None):
    """The book in `language` beside the stored one (books built before books had languages
    have only the default one)."""
    if language in LANGUAGES and language != DEFAULT_LANGUAGE:
        translated = _load(language_key(storage_key, language), "", built_at)
        if translated is not None:
            return translated
    return _load(storage_key, etag, built_at)


# -- what organizers see ------------------------------------------------------------------------


def current_build(congress: Congress) -> ProgramBookBuild | None:
    """The newest build of the latest published version (any state), or None."""
    head = latest_version_head(congress)
    if head is None:
        return None
    return db.session.scalar(
        select(ProgramBookBuild)
        .where(
            ProgramBookBuild.version_id == head.id,
            ProgramBookBuild.status != BookBuildStatus.SUPERSEDED,
        )
        .order_by(ProgramBookBuild.id.desc())
        .limit(1)
    )


@dataclass
class BookStatus:
    """The program book's build as organizers see it (page and API)."""

    status: str
    version: int
    done: int
    total: int
    attempts: int
    max_attempts: int
    error: str | None
    next_attempt_at: datetime | None
    queued_at: datetime | None
    built_at: datetime | None
    size: int
    can_retry: bool

    @property
    def message(self) -> str:
        """The state in a sentence, in the reader's language."""
        if self.status == BookBuildStatus.QUEUED:
            return _("Version %(number)s: waiting for the background worker.", number=self.version)
        if self.status == BookBuildStatus.BUILDING:
            if self.total:
                return ngettext(
                    "Version %(number)s: building, %(done)s of %(num)d session.",
                    "Version %(number)s: building, %(done)s of %(num)d sessions.",
                    self.total,
                    number=self.version,
                    done=self.done,
                )
            return _("Version %(number)s: building.", number=self.version)
        if self.status == BookBuildStatus.READY:
            return _("Version %(number)s: ready.", number=self.version)
        if self.next_attempt_at is not None:
            return _(
                "Version %(number)s: the build failed (attempt %(attempt)s of %(attempts)s); "
                "the worker tries again.",
                number=self.version,
                attempt=self.attempts,
                attempts=self.max_attempts,
            )
        return ngettext(
            "Version %(number)s: the build failed %(num)d time.",
            "Version %(number)s: the build failed %(num)d times.",
            self.attempts,
            number=self.version,
        )

    def as_dict(self) -> dict:
        def iso(value):
            return value.isoformat() if value is not None else None

        return {
            "status": str(self.status),
            "version": self.version,
            "done": self.done,
            "total": self.total,
            "attempts": self.attempts,
            "max_attempts": self.max_attempts,
            "error": self.error,
            "next_attempt_at": iso(self.next_attempt_at),
            "queued_at": iso(self.queued_at),
            "built_at": iso(self.built_at),
            "size": self.size,
            "can_retry": self.can_retry,
            "message": self.message,
        }


def book_status(congress: Congress) -> BookStatus | None:
    """The state of the latest version's program book, or None before the first publish."""
    head = latest_version_head(congress)
    if head is None:
        return None
    build = current_build(congress)
    if build is None:  # published before books were built by the worker
        return BookStatus(
            "queued", head.number, 0, 0, 0, MAX_ATTEMPTS, None, None, None, None, 0, False
        )
    return BookStatus(
        status=str(build.status),
        version=head.number,
        done=build.done,
        total=build.total,
        attempts=build.attempts,
        max_attempts=MAX_ATTEMPTS,
        error=build.last_error if build.status == BookBuildStatus.FAILED else None,
        next_attempt_at=build.next_attempt_at if build.status == BookBuildStatus.FAILED else None,
        queued_at=build.created_at,
        built_at=build.built_at,
        size=build.size,
        can_retry=build.status == BookBuildStatus.FAILED,
    )
