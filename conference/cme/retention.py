"""Retention of CME records: attendance scans, evaluation receipts, claims and certificates,
and disclosures are kept for `retention_years` after the congress (a per-congress setting,
ACCME's 6 years by default), then purged by the worker's periodic job. What stays: the
aggregate counts (in the settings, for the event report), the anonymous evaluations, and each
certificate's code without its holder, so that its verification says it is no longer held.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, func, select, update

from conference.cme.certificates import forget_pdfs
from conference.cme.models import (
    AttendanceScan,
    Certificate,
    CertificateKind,
    CmeSettings,
    Disclosure,
    EvaluationReceipt,
    FinancialRelationship,
    Relevance,
)
from conference.extensions import db
from conference.models import utcnow
from conference.program.models import Congress
from conference.timeutil import local_day_bounds

DEFAULT_RETENTION_YEARS = 6


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def retention_ends_at(congress: Congress, settings: CmeSettings | None) -> datetime:
    """When the congress's CME records may be purged: the end of its last day plus the
    retention years."""
    years = settings.retention_years if settings is not None else DEFAULT_RETENTION_YEARS
    return local_day_bounds(_years_after(congress.ends_on, years), congress.tz)[1]


def record_counts(congress: Congress) -> dict:
    """The aggregate counts that outlive the purge."""
    cid = congress.id
    scans, learners = db.session.execute(
        select(
            func.count(AttendanceScan.id), func.count(func.distinct(AttendanceScan.registration_id))
        ).where(AttendanceScan.congress_id == cid)
    ).one()
    by_kind = dict(
        db.session.execute(
            select(Certificate.kind, func.count(Certificate.id))
            .where(Certificate.congress_id == cid, Certificate.purged_at.is_(None))
            .group_by(Certificate.kind)
        ).all()
    )
    claimed = db.session.scalar(
        select(func.coalesce(func.sum(Certificate.credits), 0)).where(
            Certificate.congress_id == cid,
            Certificate.kind == CertificateKind.CME,
            Certificate.purged_at.is_(None),
        )
    )
    disclosures = db.session.scalar(
        select(func.count(Disclosure.id)).where(Disclosure.congress_id == cid)
    )
    relationships = db.session.execute(
        select(
            func.count(FinancialRelationship.id),
            func.count(FinancialRelationship.id).filter(
                FinancialRelationship.relevance == Relevance.RELEVANT
            ),
            func.count(FinancialRelationship.id).filter(
                FinancialRelationship.mitigation.is_not(None)
            ),
        )
        .join(Disclosure, Disclosure.id == FinancialRelationship.disclosure_id)
        .where(Disclosure.congress_id == cid)
    ).one()
    return {
        "scans": scans or 0,
        "learners_scanned": learners or 0,
        "cme_certificates": by_kind.get(CertificateKind.CME, 0),
        "attendance_certificates": by_kind.get(CertificateKind.ATTENDANCE, 0),
        "credits_claimed": float(claimed or 0),
        "disclosures": disclosures or 0,
        "relationships": relationships[0] or 0,
        "relevant_relationships": relationships[1] or 0,
        "mitigated_relationships": relationships[2] or 0,
    }


def purge_congress(congress: Congress, now: datetime | None = None) -> dict:
    """Purge the congress's CME records now, keeping the aggregate counts; flushes."""
    now = now or utcnow()
    settings = db.session.scalar(select(CmeSettings).where(CmeSettings.congress_id == congress.id))
    counts = record_counts(congress)
    cid = congress.id
    disclosure_ids = select(Disclosure.id).where(Disclosure.congress_id == cid)
    db.session.execute(
        delete(FinancialRelationship)
        .where(FinancialRelationship.disclosure_id.in_(disclosure_ids))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(Disclosure)
        .where(Disclosure.congress_id == cid)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(AttendanceScan)
        .where(AttendanceScan.congress_id == cid)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(EvaluationReceipt)
        .where(EvaluationReceipt.congress_id == cid)
        .execution_options(synchronize_session=False)
    )
    # The stored PDFs go with the names and credits (once this commits).
    forget_pdfs(
        select(Certificate).where(Certificate.congress_id == cid, Certificate.purged_at.is_(None))
    )
    db.session.execute(
        update(Certificate)
        .where(Certificate.congress_id == cid, Certificate.purged_at.is_(None))
        .values(name="", credits=0, registration_id=None, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    if settings is not None:
        settings.records_purged_at = now
        settings.retained_counts = counts
    db.session.flush()
    db.session.expire_all()
    return counts


def purge_due(now: datetime | None = None) -> str | None:
    """The worker's job: purge every congress whose retention has ended; commits."""
    now = now or utcnow()
    purged = []
    for settings in list(
        db.session.scalars(select(CmeSettings).where(CmeSettings.records_purged_at.is_(None)))
    ):
        congress = db.session.get(Congress, settings.congress_id)
        if congress is None or now < retention_ends_at(congress, settings):
            continue
        purge_congress(congress, now)
        db.session.commit()
        purged.append(congress.slug)
    return f"CME records purged: {', '.join(purged)}" if purged else None
