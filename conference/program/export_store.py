"""Rendered exports of published versions, stored in the database and shared by every worker.

An export is identified by (version, kind, embargo epoch): the epoch is the number of embargo
release times already passed, so the key changes when one passes and the export is rebuilt
with the newly public text. Publishing builds the exports of the new version in the same
transaction; a missing one (a new embargo epoch, a version published before this table) is
built by the first request that needs it and stored for the other workers. Each worker keeps
the bytes it served in memory, keyed the same way.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from conference.extensions import db
from conference.models import utcnow
from conference.program.exports import (
    build_csv,
    build_frab_xml,
    build_ics,
    build_pdf,
    build_schedule_json,
)
from conference.program.published import PublishedProgram
from conference.program.schedule_models import ProgramExport, ProgramVersion

#: kind -> (builder, Content-Type, download name)
EXPORTS = {
    "ics": (build_ics, "text/calendar; charset=utf-8", "schedule.ics"),
    "xml": (build_frab_xml, "application/xml; charset=utf-8", "schedule.xml"),
    "json": (build_schedule_json, "application/json; charset=utf-8", "schedule.json"),
    "csv": (build_csv, "text/csv; charset=utf-8", "program.csv"),
    "pdf": (build_pdf, "application/pdf", "program.pdf"),
}
#: Built when a version is published (about 1 s together at 2,400 talks). The PDF book takes
#: several seconds at that size, so the first request builds it and stores it for the others.
BUILT_ON_PUBLISH = ("ics", "xml", "json", "csv")


def _store(version_id: int, kind: str, epoch: int, valid_until, payload: bytes) -> None:
    """Insert the export; another worker storing the same key first is fine."""
    try:
        with db.session.begin_nested():
            db.session.add(
                ProgramExport(
                    version_id=version_id,
                    kind=kind,
                    embargo_epoch=epoch,
                    valid_until=valid_until,
                    content=payload,
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
    epoch = program.embargo_epoch(now)
    payload = program.exports.get((kind, epoch))
    if payload is not None:
        return payload
    stored = db.session.scalar(
        select(ProgramExport.content).where(
            ProgramExport.version_id == program.version_id,
            ProgramExport.kind == kind,
            ProgramExport.embargo_epoch == epoch,
        )
    )
    if stored is not None:
        payload = bytes(stored)
    else:
        payload = build(program, now)
        _store(program.version_id, kind, epoch, program.next_release_after(now), payload)
    program.exports = {k: v for k, v in program.exports.items() if k[0] != kind}
    program.exports[(kind, epoch)] = payload
    return payload


def build_version_exports(version: ProgramVersion, kinds=BUILT_ON_PUBLISH, now=None) -> None:
    """Render and store the exports of a version that was just flushed (publishing)."""
    now = now or utcnow()
    # PublishedProgram adds parsed values to the dicts it is given: work on a copy.
    snapshot = json.loads(json.dumps(version.snapshot))
    program = PublishedProgram(version.id, version.number, version.published_at, snapshot)
    epoch = program.embargo_epoch(now)
    for kind in kinds:
        payload = EXPORTS[kind][0](program, now)
        _store(version.id, kind, epoch, program.next_release_after(now), payload)
