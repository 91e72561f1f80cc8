"""Accredited education: per-congress CME settings, disclosures of financial relationships
by everyone in control of content, and the CME officer's review and mitigation of each one.

Accredited education never imports the industry domain: independence is also a rule of the
code.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.models import Base, TimestampMixin, utcnow


class Relevance(enum.StrEnum):
    """The CME officer's finding about one relationship against the person's content."""

    PENDING = "pending"
    NOT_RELEVANT = "not_relevant"
    RELEVANT = "relevant"


class Mitigation(enum.StrEnum):
    """How a relevant relationship was mitigated before the activity (ACCME Standard 3)."""

    PEER_REVIEW = "peer_review"
    ROLE_CHANGE = "role_change"
    RECUSAL = "recusal"
    ATTESTATION = "attestation"


class CreditMode(enum.StrEnum):
    VERIFIED = "verified"
    SELF_REPORTED = "self_reported"


class ScanDirection(enum.StrEnum):
    IN = "in"
    OUT = "out"


class Accreditor(enum.StrEnum):
    EACCME = "eaccme"
    ACCME = "accme"


RELEVANCE_LABELS = {
    Relevance.PENDING: _l("Not reviewed yet"),
    Relevance.NOT_RELEVANT: _l("Not relevant"),
    Relevance.RELEVANT: _l("Relevant"),
}
MITIGATION_LABELS = {
    Mitigation.PEER_REVIEW: _l("Peer review of the slides"),
    Mitigation.ROLE_CHANGE: _l("Change of role"),
    Mitigation.RECUSAL: _l("Recusal from the topic"),
    Mitigation.ATTESTATION: _l("Attestation of independent, evidence-based content"),
}
ACCREDITOR_LABELS = {
    Accreditor.EACCME: _l("UEMS-EACCME (European live event)"),
    Accreditor.ACCME: _l("ACCME / AMA PRA Category 1 Credit"),
}
#: Roles in which a person controls accredited content (and so must disclose).
FACULTY_ROLE_LABELS = {
    "organizer": _l("Program committee"),
    "reviewer": _l("Abstract reviewer"),
    "chair": _l("Chair"),
    "discussant": _l("Discussant"),
    "invited_speaker": _l("Invited speaker"),
    "presenting_author": _l("Presenting author"),
}


class CmeSettings(Base):
    """How a congress runs its accredited education (one row per congress).

    Without a row the congress has not set up CME accreditation: nothing is enforced.
    """

    __tablename__ = "cme_settings"
    __table_args__ = (
        CheckConstraint("accreditor IN ('eaccme', 'accme')", name="accreditor_known"),
        CheckConstraint("link_days > 0", name="link_days_positive"),
        CheckConstraint("reminder_days > 0", name="reminder_days_positive"),
        CheckConstraint("separation_minutes >= 0", name="separation_not_negative"),
        CheckConstraint("credit_mode IN ('verified', 'self_reported')", name="credit_mode_known"),
        CheckConstraint("half_day_cap > 0 AND day_cap >= half_day_cap", name="credit_caps_ordered"),
        CheckConstraint("retention_years > 0", name="retention_years_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), unique=True
    )
    accreditor: Mapped[Accreditor] = mapped_column(String(10), default=Accreditor.EACCME)
    #: ACCME Standards for Integrity and Independence: an accredited session is not published
    #: while one of its faculty has no disclosure or an unmitigated relevant relationship.
    requires_mitigation: Mapped[bool] = mapped_column(default=True)
    #: How long an emailed disclosure link works.
    link_days: Mapped[int] = mapped_column(default=60)
    #: Days between an invitation (or the last reminder) and the next reminder.
    reminder_days: Mapped[int] = mapped_column(default=7)
    #: No industry satellite in a session room this long before or after an accredited session
    #: there (separation of promotion from education).
    separation_minutes: Mapped[int] = mapped_column(default=30)
    #: verified: credits only for scanned time (EACCME); self_reported: the learner attests
    #: their time, capped by what they could have attended (AMA PRA).
    credit_mode: Mapped[CreditMode] = mapped_column(String(20), default=CreditMode.VERIFIED)
    #: The most credits per half day and per day of the event (EACCME: 3 and 6).
    half_day_cap: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("3"))
    day_cap: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("6"))
    #: Learners evaluate the congress before they get their certificate.
    requires_evaluation: Mapped[bool] = mapped_column(default=True)
    #: Aggregates of fewer answers are not shown (anonymity).
    evaluation_threshold: Mapped[int] = mapped_column(default=5)
    #: Claims can be made and corrected until this many days after the last congress day.
    certificate_window_days: Mapped[int] = mapped_column(default=28)
    #: Attendance, claims, certificates and disclosures are kept this many years after the
    #: congress (ACCME: 6), then purged by the worker; aggregate counts stay.
    retention_years: Mapped[int] = mapped_column(default=6)
    #: When the worker purged the records (None: still held).
    records_purged_at: Mapped[datetime | None]
    #: The aggregate counts kept from the purged records (see conference.cme.retention).
    retained_counts: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<CmeSettings congress={self.congress_id} {self.accreditor}>"


class Disclosure(TimestampMixin, Base):
    """One person's disclosure for one congress, reused across all their roles."""

    __tablename__ = "cme_disclosures"
    __table_args__ = (
        UniqueConstraint("congress_id", "email"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint(
            "owner_exception IS NULL OR owner_exception IN "
            "('not_related', 'research_technology', 'research_presenter')",
            name="owner_exception_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True
    )
    #: Lower-cased: the person is known by their address across roles and abstracts.
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The person declared no financial relationship with an ineligible company (24 months).
    nothing_to_disclose: Mapped[bool] = mapped_column(default=False)
    #: When the person last submitted it; None: invited but not disclosed yet.
    submitted_at: Mapped[datetime | None]
    invited_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    #: Part of every signed link: raising it stops the links sent before.
    link_version: Mapped[int] = mapped_column(default=0)
    #: The ineligible company the person owns or works for ('' none; ACCME Standard 3): such a
    #: person may not control accredited content unless the CME officer records an exception.
    owner_employee_of: Mapped[str] = mapped_column(String(200), default="")
    #: The allowed case the CME officer recorded (OwnerException), with who and when.
    owner_exception: Mapped[str | None] = mapped_column(String(30))
    owner_exception_note: Mapped[str] = mapped_column(Text, default="")
    owner_exception_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    owner_exception_by_name: Mapped[str] = mapped_column(String(200), default="")
    owner_exception_at: Mapped[datetime | None]

    relationships: Mapped[list[FinancialRelationship]] = relationship(
        back_populates="disclosure",
        cascade="all, delete-orphan",
        order_by="FinancialRelationship.id",
        lazy="selectin",
    )

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def relevant(self) -> list[FinancialRelationship]:
        return [r for r in self.relationships if r.relevance == Relevance.RELEVANT]

    @property
    def is_cleared(self) -> bool:
        """Disclosed, and every relationship reviewed: not relevant, or relevant and mitigated."""
        return self.is_submitted and all(r.is_cleared for r in self.relationships)

    @property
    def is_barred_owner(self) -> bool:
        """An owner or employee of an ineligible company without a recorded exception."""
        return bool(self.owner_employee_of) and not self.owner_exception

    def can_review(self, user) -> bool:
        return can_review_disclosures(user)

    def __repr__(self) -> str:
        return f"<Disclosure {self.id} {self.email}>"


class FinancialRelationship(Base):
    """A financial relationship with an ineligible company, and its review by the CME officer."""

    __tablename__ = "cme_relationships"
    __table_args__ = (
        CheckConstraint(
            "relevance IN ('pending', 'not_relevant', 'relevant')", name="relevance_known"
        ),
        CheckConstraint(
            "mitigation IS NULL OR mitigation IN "
            "('peer_review', 'role_change', 'recusal', 'attestation')",
            name="mitigation_known",
        ),
        CheckConstraint(
            "mitigation IS NULL OR relevance = 'relevant'", name="mitigation_only_if_relevant"
        ),
        CheckConstraint(
            "mitigation IS NULL OR mitigation <> 'peer_review' OR peer_reviewer <> ''",
            name="peer_review_named",
        ),
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(
        ForeignKey("cme_disclosures.id", ondelete="CASCADE"), index=True
    )
    company: Mapped[str] = mapped_column(String(200))
    #: One of conference.abstracts.models.DISCLOSURE_TYPES (the same list as abstracts).
    nature: Mapped[str] = mapped_column(String(40))
    started_on: Mapped[date]
    #: None: ongoing.
    ended_on: Mapped[date | None]
    relevance: Mapped[Relevance] = mapped_column(String(20), default=Relevance.PENDING)
    mitigation: Mapped[Mitigation | None] = mapped_column(String(20))
    #: Who reviewed the slides (peer review only).
    peer_reviewer: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    #: Who recorded the finding and the mitigation, and when.
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by_name: Mapped[str] = mapped_column(String(200), default="")
    reviewed_at: Mapped[datetime | None]

    disclosure: Mapped[Disclosure] = relationship(back_populates="relationships")

    @property
    def is_cleared(self) -> bool:
        if self.relevance == Relevance.NOT_RELEVANT:
            return True
        return self.relevance == Relevance.RELEVANT and self.mitigation is not None

    @property
    def is_unmitigated(self) -> bool:
        return self.relevance == Relevance.RELEVANT and self.mitigation is None

    def identity(self) -> tuple:
        """What the person declared: an unchanged relationship keeps its review."""
        return (self.company.casefold(), self.nature, self.started_on, self.ended_on)

    def __repr__(self) -> str:
        return f"<FinancialRelationship {self.id} {self.company} {self.nature}>"


class AttendanceScan(Base):
    """A badge scanned at a room's door: in, or out. Sent by the door device, possibly late
    and more than once (offline), so it is kept once per client-chosen id."""

    __tablename__ = "cme_attendance_scans"
    __table_args__ = (
        UniqueConstraint("congress_id", "client_id"),
        CheckConstraint("direction IN ('in', 'out')", name="direction_known"),
        Index("ix_cme_attendance_scans_registration_time", "registration_id", "scanned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    #: Chosen by the device for each scan: a scan sent twice is stored once.
    client_id: Mapped[str] = mapped_column(String(64))
    #: SET NULL when the registration is erased: the anonymous count stays.
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL")
    )
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"))
    direction: Mapped[ScanDirection] = mapped_column(String(3))
    #: When the badge was scanned (the device's clock), not when it reached the server.
    scanned_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    scanned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<AttendanceScan {self.client_id} {self.direction}>"


#: The short evaluation of a session: each 1 (poor) to 5 (excellent), and whether the content
#: was free of commercial bias.
SESSION_QUESTIONS = {
    "content": _l("Quality of the scientific content"),
    "speakers": _l("Quality of the speakers"),
    "relevance": _l("Relevance to my practice"),
}
#: The overall congress evaluation, from the UEMS-EACCME standard questions (1 to 5).
CONGRESS_QUESTIONS = {
    "objectives": _l("The educational objectives were met"),
    "expectations": _l("The event met my expectations"),
    "relevance": _l("The content was relevant to my practice"),
    "practice_change": _l("I will change my practice as a result"),
    "time": _l("Enough time was given to questions and discussion"),
    "overall": _l("Overall quality of the event"),
}


class Evaluation(Base):
    """One learner's anonymous answers about a session, or about the congress (no session).
    It holds nothing that identifies who gave it: who has evaluated is kept apart."""

    __tablename__ = "cme_evaluations"
    __table_args__ = (Index("ix_cme_evaluations_congress_session", "congress_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("program_sessions.id", ondelete="CASCADE")
    )
    #: {question: 1..5}
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The session evaluation's "free of commercial bias" (None for the congress's).
    is_bias_free: Mapped[bool | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    #: The day only: a finer time could tie the answers to a person's scan times.
    submitted_on: Mapped[date]
    #: Answers to the organizers' own questions: {"<question id>": 1..5, true/false or text}.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<Evaluation {self.id} session={self.session_id}>"


class QuestionKind(enum.StrEnum):
    RATING = "rating"
    YES_NO = "yes_no"
    TEXT = "text"


class QuestionScope(enum.StrEnum):
    #: The overall congress evaluation.
    CONGRESS = "congress"
    #: The evaluation of each accredited session.
    SESSION = "session"


QUESTION_KIND_LABELS = {
    QuestionKind.RATING: _l("Rating from 1 to 5"),
    QuestionKind.YES_NO: _l("Yes or no"),
    QuestionKind.TEXT: _l("Free text"),
}
QUESTION_SCOPE_LABELS = {
    QuestionScope.CONGRESS: _l("Congress evaluation"),
    QuestionScope.SESSION: _l("Each session's evaluation"),
}


class EvaluationQuestion(TimestampMixin, Base):
    """A question organizers (or the CME officer) add to a congress's evaluation, after the
    standard ones; its answers are kept in the anonymous `Evaluation.answers`."""

    __tablename__ = "cme_evaluation_questions"
    __table_args__ = (
        CheckConstraint("kind IN ('rating', 'yes_no', 'text')", name="kind_known"),
        CheckConstraint("scope IN ('congress', 'session')", name="scope_known"),
        Index("ix_cme_evaluation_questions_congress_scope", "congress_id", "scope", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    scope: Mapped[QuestionScope] = mapped_column(String(10), default=QuestionScope.CONGRESS)
    kind: Mapped[QuestionKind] = mapped_column(String(10), default=QuestionKind.RATING)
    text: Mapped[str] = mapped_column(String(300))
    #: Questions are asked in this order (then by id).
    position: Mapped[int] = mapped_column(default=0)
    is_required: Mapped[bool] = mapped_column(default=False)

    @property
    def key(self) -> str:
        """Its key in `Evaluation.answers` and in the API's `answers`."""
        return str(self.id)

    def __repr__(self) -> str:
        return f"<EvaluationQuestion {self.id} {self.scope} {self.kind}>"


class EvaluationReceipt(Base):
    """That a registrant has evaluated a session (or the congress): what the certificate rule
    checks, without pointing to their answers."""

    __tablename__ = "cme_evaluation_receipts"
    __table_args__ = (UniqueConstraint("registration_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    #: "congress" or "session:<id>"
    scope: Mapped[str] = mapped_column(String(30))

    def __repr__(self) -> str:
        return f"<EvaluationReceipt {self.registration_id} {self.scope}>"


class CertificateKind(enum.StrEnum):
    CME = "cme"
    ATTENDANCE = "attendance"


class Certificate(TimestampMixin, Base):
    """A learner's claim and its certificate: CME credits for physicians (CME-eligible
    categories), attendance for others. Verifiable by its code; the name is kept with it so
    the verification survives the erasure of the registration."""

    __tablename__ = "cme_certificates"
    __table_args__ = (
        UniqueConstraint("congress_id", "registration_id"),
        CheckConstraint("kind IN ('cme', 'attendance')", name="kind_known"),
        CheckConstraint("credits >= 0", name="credits_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL")
    )
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[CertificateKind] = mapped_column(String(12))
    credits: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the record was purged after the retention period: only the code stays, so its
    #: verification can say that the certificate is no longer held.
    purged_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Certificate {self.code} {self.kind} {self.credits}>"


class OwnerException(enum.StrEnum):
    """When an owner or employee of an ineligible company may still take part in accredited
    content (ACCME Standard 3)."""

    NOT_RELATED = "not_related"
    RESEARCH_TECHNOLOGY = "research_technology"
    RESEARCH_PRESENTER = "research_presenter"


OWNER_EXCEPTION_LABELS = {
    OwnerException.NOT_RELATED: _l(
        "The content is not related to the business lines or products of the company"
    ),
    OwnerException.RESEARCH_TECHNOLOGY: _l(
        "The content is limited to basic science research or research technology"
    ),
    OwnerException.RESEARCH_PRESENTER: _l(
        "The person presents their own research, without recommendations on its use"
    ),
}


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class CertificateRun(Base):
    """An organizer's request to issue certificates to every eligible learner, worked through
    by the background worker in batches (conference.cme.bulk). The cursor (the last
    registration handled) lets a run taken over after a crash go on where it stopped."""

    __tablename__ = "cme_certificate_runs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name="run_status_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[RunStatus] = mapped_column(String(10), default=RunStatus.QUEUED)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    #: The worker holding the run and until when (renewed with each batch).
    holder: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    #: The last registration id handled: the next batch starts after it.
    after_registration_id: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    issued: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<CertificateRun {self.id} {self.status} {self.done}/{self.total}>"


def can_review_disclosures(user) -> bool:
    """The CME officer reviews disclosures; organizers may too (admins hold every role)."""
    from conference.accounts.models import Role

    return bool(
        user
        and user.is_authenticated
        and (user.has_role(Role.CME_OFFICER) or user.has_role(Role.ORGANIZER))
    )
