"""Rendered exports of published versions, stored in the database and shared by every worker.

An export is identified by (version, kind, embargo fingerprint, embargo epoch): the fingerprint
changes with every release time and decision the embargo depends on (an organizer moving a
release later, an abstract withdrawn: see conference.abstracts.embargo), and the epoch is the
number of embargo release times already passed, so the key changes when one passes and the
export is rebuilt with the newly public text; exports of another fingerprint are deleted.
Each row also records the time window in which it is current
(`valid_from`, `valid_until`: the release times around it), so serving a stored export needs
three small queries (the version, the embargo, the export) and no parsing of the snapshot.

Publishing builds the exports of the new version in the same transaction; a missing one (a
new embargo epoch, a version published before this table) is built by the first request that
needs it and stored for the other workers. Each worker keeps the bytes it served in memory for
the current version. The PDF program book is not one of them: it takes far longer, so the
background worker builds it (conference.program.book) and no request ever does.

Each stored export also keeps its gzip-compressed bytes and a content hash (its `ETag`), so
serving a phone that asks with `Accept-Encoding: gzip` and revalidates with `If-None-Match`
costs no compression and no hashing per request (brotli, when asked, is compressed once per
worker and kept with the bytes in memory).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime

import brotli
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from conference.abstracts.embargo import EmbargoState, current_embargo
from conference.cme.queries import get_disclosure_fingerprint, get_program_disclosure_lines
from conference.extensions import db
from conference.models import utcnow
from conference.program.exports import (
    build_csv,
    build_frab_xml,
    build_ics,
    build_schedule_json,
)
from conference.program.models import Congress
from conference.program.published import (
    PublishedProgram,
    get_published_program,
    latest_version_head,
    version_key,
)
from conference.program.schedule_models import ProgramExport, ProgramVersion
from conference.progress import Progress, report

#: kind -> (builder, Content-Type, download name)
EXPORTS = {
    "ics": (build_ics, "text/calendar; charset=utf-8", "schedule.ics"),
    "xml": (build_frab_xml, "application/xml; charset=utf-8", "schedule.xml"),
    "json": (build_schedule_json, "application/json; charset=utf-8", "schedule.json"),
    "csv": (build_csv, "text/csv; charset=utf-8", "program.csv"),
}
#: Built when a version is published (about 1 s together at 2,400 talks). The PDF book takes
#: several seconds at that size: the worker builds it (conference.program.book).
BUILT_ON_PUBLISH = ("ics", "xml", "json", "csv")

_LOCK = threading.Lock()


def export_fingerprint(embargo_fingerprint: str, disclosure_fingerprint: str) -> str:
    """What a stored export was built for: the embargo state and, where CME is set up, the
    state of the disclosures its accredited sessions carry (a mitigation recorded later
    changes the disclosure line, so the export is built again)."""
    if not disclosure_fingerprint:
        return embargo_fingerprint
    state = f"{embargo_fingerprint}|{disclosure_fingerprint}".encode()
    return "d" + hashlib.sha256(state).hexdigest()[:40]


def attach_disclosures(congress: Congress, program: PublishedProgram, fingerprint: str) -> None:
    """Give the program the disclosure lines of its accredited sessions (CME domain, in
    English like the exports) for the CME state `fingerprint`, unless it has them."""
    if program.disclosure_fingerprint != fingerprint or (
        fingerprint and not program.disclosure_lines
    ):
        program.disclosure_lines = get_program_disclosure_lines(congress, program, "en")
        program.disclosure_fingerprint = fingerprint


def _program_fingerprint(program: PublishedProgram) -> str:
    return export_fingerprint(program.embargo_fingerprint, program.disclosure_fingerprint)


@dataclass
class EncodedExport:
    """An export's bytes with what serving it needs: compressed forms and validators."""

    content: bytes
    gzip: bytes
    etag: str
    built_at: datetime | None = None
    _brotli: list[bytes] = field(default_factory=list, repr=False)

    @classmethod
    def of(cls, content: bytes, built_at: datetime | None = None) -> EncodedExport:
        return cls(content, compress_gzip(content), content_etag(content), built_at)

    @property
    def brotli(self) -> bytes:
        if not self._brotli:  # once per worker and export
            self._brotli.append(brotli.compress(self.content, quality=5))
        return self._brotli[0]


def compress_gzip(content: bytes) -> bytes:
    return gzip.compress(content, compresslevel=6, mtime=0)


def content_etag(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:32]


#: This worker's copy: (version, kind) -> (valid_from, valid_until, export); a version is
#: (congress id, id, number, published_at, embargo fingerprint), as in published._CACHE.
_MEMORY: dict[tuple[tuple, str], tuple[datetime | None, datetime | None, EncodedExport]] = {}


def _window(
    program: PublishedProgram, now: datetime
) -> tuple[int, datetime | None, datetime | None]:
    epoch = program.embargo_epoch(now)
    valid_from = program.releases[epoch - 1] if epoch > 0 else None
    return epoch, valid_from, program.next_release_after(now)


def _current(valid_from, valid_until, now) -> bool:
    return (valid_from is None or valid_from <= now) and (valid_until is None or now < valid_until)


def _remember(version: tuple, kind: str, valid_from, valid_until, payload: EncodedExport) -> None:
    with _LOCK:
        for key in [k for k in _MEMORY if k[0] != version]:
            del _MEMORY[key]  # an older version
        _MEMORY[(version, kind)] = (valid_from, valid_until, payload)


def _store(version_id: int, kind: str, fingerprint: str, window, payload: bytes) -> None:
    """Insert the export; another worker storing the same key first is fine. Exports of the
    same version whose time window has ended, or built for another embargo state, are
    deleted: they are never served again."""
    epoch, valid_from, valid_until = window
    db.session.execute(
        delete(ProgramExport).where(
            ProgramExport.version_id == version_id,
            ProgramExport.kind == kind,
            ProgramExport.embargo_fingerprint != fingerprint,
        )
    )
    if valid_from is not None:
        db.session.execute(
            delete(ProgramExport).where(
                ProgramExport.version_id == version_id,
                ProgramExport.kind == kind,
                ProgramExport.valid_until <= valid_from,
            )
        )
    try:
        with db.session.begin_nested():
            db.session.add(
                ProgramExport(
                    version_id=version_id,
                    kind=kind,
                    embargo_fingerprint=fingerprint,
                    embargo_epoch=epoch,
                    valid_from=valid_from,
                    valid_until=valid_until,
                    content=payload,
                    content_gzip=compress_gzip(payload),
                    etag=content_etag(payload),
                )
            )
    except IntegrityError:
        pass


def get_export(program: PublishedProgram, kind: str, now: datetime | None = None) -> bytes:
    """The rendered export `kind` of `program` for the embargo state at `now`.

    Memory first, then the database (one query), else built and stored: the caller commits.
    """
    build = EXPORTS[kind][0]
    now = now or utcnow()
    window = _window(program, now)
    fingerprint = _program_fingerprint(program)
    payload = program.exports.get((kind, window[0], fingerprint))
    if payload is not None:
        return payload
    stored = db.session.scalar(
        select(ProgramExport.content).where(
            ProgramExport.version_id == program.version_id,
            ProgramExport.kind == kind,
            ProgramExport.embargo_fingerprint == fingerprint,
            ProgramExport.embargo_epoch == window[0],
        )
    )
    if stored is not None:
        payload = bytes(stored)
    else:
        payload = build(program, now)
        _store(program.version_id, kind, fingerprint, window, payload)
    program.exports = {k: v for k, v in program.exports.items() if k[0] != kind}
    program.exports[(kind, window[0], fingerprint)] = payload
    return payload


def serve_export(
    congress: Congress | None, kind: str, now: datetime | None = None
) -> EncodedExport | None:
    """The current export `kind` of the latest published version, or None before the first.

    A stored export is found by time (no snapshot parsed); otherwise it is built and stored
    (the caller commits)."""
    if congress is None:
        return None
    now = now or utcnow()
    head = latest_version_head(congress)
    if head is None:
        return None
    embargo = current_embargo(congress)
    disclosures = get_disclosure_fingerprint(congress)
    fingerprint = export_fingerprint(embargo.fingerprint, disclosures)
    version = (*version_key(congress, head, embargo), disclosures)
    cached = _MEMORY.get((version, kind))
    if cached is not None and _current(cached[0], cached[1], now):
        return cached[2]
    row = db.session.execute(
        select(
            ProgramExport.valid_from,
            ProgramExport.valid_until,
            ProgramExport.content,
            ProgramExport.content_gzip,
            ProgramExport.etag,
            ProgramExport.built_at,
        ).where(
            ProgramExport.version_id == head.id,
            ProgramExport.kind == kind,
            ProgramExport.embargo_fingerprint == fingerprint,
            or_(ProgramExport.valid_from.is_(None), ProgramExport.valid_from <= now),
            or_(ProgramExport.valid_until.is_(None), ProgramExport.valid_until > now),
        )
    ).first()
    if row is not None:
        content = bytes(row.content)
        if row.content_gzip is not None and row.etag:
            payload = EncodedExport(content, bytes(row.content_gzip), row.etag, row.built_at)
        else:  # stored before exports kept their compressed form
            payload = EncodedExport.of(content, row.built_at)
        _remember(version, kind, row.valid_from, row.valid_until, payload)
        return payload
    program = get_published_program(congress, head=head, embargo=embargo)
    if program is None:  # pragma: no cover - deleted meanwhile
        return None
    attach_disclosures(congress, program, disclosures)
    payload = EncodedExport.of(get_export(program, kind, now), now)
    _, valid_from, valid_until = _window(program, now)
    _remember(version, kind, valid_from, valid_until, payload)
    return payload


def build_version_exports(
    version: ProgramVersion,
    embargo: EmbargoState,
    kinds=BUILT_ON_PUBLISH,
    now=None,
    progress: Progress | None = None,
) -> tuple[int, datetime | None, datetime | None]:
    """Render and store the exports of a version that was just flushed (publishing);
    `progress(done, total)` hears of each export built. Returns the embargo window they
    were built for: (epoch, valid from, valid until)."""
    now = now or utcnow()
    # PublishedProgram adds parsed values to the dicts it is given: work on a copy.
    snapshot = json.loads(json.dumps(version.snapshot))
    program = PublishedProgram(version.id, version.number, version.published_at, snapshot, embargo)
    congress = db.session.get(Congress, version.congress_id)
    attach_disclosures(congress, program, get_disclosure_fingerprint(congress))
    fingerprint = _program_fingerprint(program)
    window = _window(program, now)
    # Only the latest version is public: older versions' exports are never served again
    # (an organizer's view of an old version reads its snapshot).
    db.session.execute(
        delete(ProgramExport).where(
            ProgramExport.version_id.in_(
                select(ProgramVersion.id).where(
                    ProgramVersion.congress_id == version.congress_id,
                    ProgramVersion.id != version.id,
                )
            )
        )
    )
    kinds = list(kinds)
    for done, kind in enumerate(kinds, start=1):
        _store(version.id, kind, fingerprint, window, EXPORTS[kind][0](program, now))
        report(progress, done, len(kinds))
    return window
