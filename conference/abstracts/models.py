"""Abstracts with their ordered authors and disclosures, and the decision on each.

Review tables (assignments, scores) live beside these and are added by the review work.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
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
    and_,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.accounts.models import User
from conference.i18n import format_when
from conference.models import Base, TimestampMixin, utcnow
from conference.program.models import Congress, Track


class AbstractKind(enum.StrEnum):
    REGULAR = "regular"
    TRIALS_IN_PROGRESS = "trials_in_progress"
    LATE_BREAKING = "late_breaking"


class AbstractStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class FeeStatus(enum.StrEnum):
    """Where an abstract stands with the congress's abstract fee."""

    NONE = "none"  # no fee was due when it was submitted
    AWAITING = "awaiting"  # submitted, fee not yet paid: not reviewed, assigned or decided
    PAID = "paid"
    WAIVED = "waived"


#: Fee states in which a submitted abstract counts as complete.
FEE_SETTLED = (FeeStatus.NONE, FeeStatus.PAID, FeeStatus.WAIVED)


class Outcome(enum.StrEnum):
    """The committee's decision (DOMAIN.md)."""

    PLENARY = "plenary"
    ORAL = "oral"
    POSTER_DISCUSSION = "poster_discussion"
    POSTER = "poster"
    PUBLICATION_ONLY = "publication_only"
    REJECTED = "rejected"


#: Outcomes that put an abstract in the program (publication-only and rejected do not).
PRESENTED_OUTCOMES = frozenset(
    {Outcome.PLENARY, Outcome.ORAL, Outcome.POSTER_DISCUSSION, Outcome.POSTER}
)
OUTCOME_LABELS = {
    Outcome.PLENARY: _l("Plenary"),
    Outcome.ORAL: _l("Oral presentation"),
    Outcome.POSTER_DISCUSSION: _l("Poster discussion"),
    Outcome.POSTER: _l("Poster"),
    Outcome.PUBLICATION_ONLY: _l("Publication only"),
    Outcome.REJECTED: _l("Not accepted"),
}
#: Overall scores this far apart flag a disagreement for the committee.
LARGE_SPREAD = 2
SCORE_CRITERIA = ("novelty", "methods", "results", "relevance")
SCORE_LABELS = {
    "novelty": _l("Novelty"),
    "methods": _l("Methods"),
    "results": _l("Results"),
    "relevance": _l("Clinical relevance"),
}
SECTION_NAMES = ("background", "methods", "results", "conclusions")

KIND_LABELS = {
    AbstractKind.REGULAR: _l("Regular abstract"),
    AbstractKind.TRIALS_IN_PROGRESS: _l("Trials in Progress"),
    AbstractKind.LATE_BREAKING: _l("Late-breaking abstract"),
}
STATUS_LABELS = {
    AbstractStatus.DRAFT: _l("Draft"),
    AbstractStatus.SUBMITTED: _l("Submitted"),
    AbstractStatus.WITHDRAWN: _l("Withdrawn"),
}

DISCLOSURE_TYPES = (
    "employment",
    "leadership",
    "stock",
    "honoraria",
    "consulting_advisory",
    "speakers_bureau",
    "research_funding",
    "patents_royalties",
    "travel",
    "other",
)
#: How each relationship type reads in pages, emails and the form's help (ACCME/ICMJE wording).
DISCLOSURE_LABELS = {
    "employment": _l("Employment"),
    "leadership": _l("Leadership"),
    "stock": _l("Stock ownership"),
    "honoraria": _l("Honoraria"),
    "consulting_advisory": _l("Consulting or advisory role"),
    "speakers_bureau": _l("Speakers' bureau"),
    "research_funding": _l("Research funding"),
    "patents_royalties": _l("Patents or royalties"),
    "travel": _l("Travel or accommodation"),
    "other": _l("Other relationship"),
}


def disclosure_type_from_text(text: str) -> str:
    """The relationship code for what someone typed: the code itself or its label, any case."""
    folded = " ".join((text or "").replace("_", " ").split()).casefold()
    for code, label in DISCLOSURE_LABELS.items():
        # The label in the reader's language, and in English (the API's and the docs' words).
        if folded in (code.replace("_", " "), label.casefold(), label._args[0].casefold()):
            return code
    return folded.replace(" ", "_")


class Abstract(TimestampMixin, Base):
    """A structured scientific abstract submitted to one track of a congress."""

    __tablename__ = "abstracts"
    __table_args__ = (
        UniqueConstraint("congress_id", "number"),
        UniqueConstraint("submitter_id", "creation_key"),
        Index("ix_abstracts_congress_status", "congress_id", "status"),
        CheckConstraint("status IN ('draft', 'submitted', 'withdrawn')", name="status_known"),
        CheckConstraint(
            "fee_status IN ('none', 'awaiting', 'paid', 'waived')", name="fee_status_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="SET NULL"))
    #: The account that owns the submission (may or may not be an author).
    submitter_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AbstractKind] = mapped_column(String(30), default=AbstractKind.REGULAR)
    status: Mapped[AbstractStatus] = mapped_column(String(20), default=AbstractStatus.DRAFT)
    #: Idempotency key of the request that created it (form token or Idempotency-Key header),
    #: so a double click or a retried POST finds this draft instead of making another.
    creation_key: Mapped[str | None] = mapped_column(String(64))
    #: Stable public number given at first submission, e.g. "A-0042".
    number: Mapped[str | None] = mapped_column(String(20))

    title: Mapped[str] = mapped_column(Text, default="")
    background: Mapped[str] = mapped_column(Text, default="")
    methods: Mapped[str] = mapped_column(Text, default="")
    results: Mapped[str] = mapped_column(Text, default="")
    conclusions: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    #: At most one simple table: a list of rows, each a list of cell strings; None if no table.
    table: Mapped[list | None] = mapped_column(JSON)
    is_clinical_trial: Mapped[bool] = mapped_column(default=False)
    #: Normalised registry identifier (NCT..., EudraCT, ISRCTN..., EU CT, ACTRN...).
    trial_registration: Mapped[str] = mapped_column(String(40), default="")
    #: Study group listed after the individual authors.
    group_name: Mapped[str] = mapped_column(String(300), default="")

    attests_ethics_approval: Mapped[bool] = mapped_column(default=False)
    attests_not_previously_published: Mapped[bool] = mapped_column(default=False)
    attests_coauthors_agree: Mapped[bool] = mapped_column(default=False)
    attests_will_present: Mapped[bool] = mapped_column(default=False)

    submitted_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    # Decision (internal until released).
    outcome: Mapped[Outcome | None] = mapped_column(String(30))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: When authors were told; the outcome is public only from then on.
    decision_released_at: Mapped[datetime | None]
    #: The outcome that was emailed, to detect a change after release.
    released_outcome: Mapped[Outcome | None] = mapped_column(String(30))
    #: The presenting author confirmed they will present (the program relies on it).
    presenter_confirmed_at: Mapped[datetime | None]
    #: Decision emails sent so far (the next one is a correction when this is > 0).
    decision_notice_count: Mapped[int] = mapped_column(default=0)

    # Embargo: nothing public before these moments (None: not public until set).
    title_release_at: Mapped[datetime | None]
    body_release_at: Mapped[datetime | None]

    # Abstract fee (abstracts.fees): the status is ours, the invoice is money's.
    fee_status: Mapped[FeeStatus] = mapped_column(String(20), default=FeeStatus.NONE)
    #: The fee owed, fixed when the abstract was submitted.
    fee_amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    fee_paid_at: Mapped[datetime | None]
    #: The money invoice number of the fee (money's `source="abstract_fee"`, key = abstract id).
    fee_invoice_number: Mapped[str | None] = mapped_column(String(40))
    fee_waived_at: Mapped[datetime | None]
    fee_waived_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    fee_waiver_reason: Mapped[str] = mapped_column(String(300), default="")

    congress: Mapped[Congress] = relationship()
    track: Mapped[Track | None] = relationship()
    submitter: Mapped[User] = relationship(foreign_keys=[submitter_id])
    fee_waived_by: Mapped[User | None] = relationship(foreign_keys=[fee_waived_by_id])
    authors: Mapped[list[AbstractAuthor]] = relationship(
        back_populates="abstract",
        order_by="AbstractAuthor.position",
        cascade="all, delete-orphan",
    )
    reviews: Mapped[list[ReviewAssignment]] = relationship(
        back_populates="abstract", cascade="all, delete-orphan", order_by="ReviewAssignment.id"
    )

    @property
    def presenting_author(self) -> AbstractAuthor | None:
        return next((author for author in self.authors if author.is_presenting), None)

    @property
    def first_author(self) -> AbstractAuthor | None:
        return self.authors[0] if self.authors else None

    @property
    def is_accepted(self) -> bool:
        """Accepted for presentation (plenary, oral, poster discussion or poster)."""
        return self.status == AbstractStatus.SUBMITTED and self.outcome in PRESENTED_OUTCOMES

    @hybrid_property
    def is_acceptance_released(self) -> bool:
        """Accepted for presentation, and that very outcome has been released to the authors.

        The one rule of "accepted for presentation": only such abstracts can be scheduled or
        shown in the program (abstracts.queries uses the SQL form below).
        """
        return self.is_accepted and self.released_outcome == self.outcome

    @is_acceptance_released.inplace.expression
    @classmethod
    def _is_acceptance_released_expression(cls):
        return and_(
            cls.status == AbstractStatus.SUBMITTED,
            cls.outcome.in_([o.value for o in PRESENTED_OUTCOMES]),
            cls.released_outcome == cls.outcome,
        )

    @hybrid_property
    def is_complete(self) -> bool:
        """Submitted and its fee (if any) paid or waived: only these are reviewed and decided."""
        return self.status == AbstractStatus.SUBMITTED and self.fee_status in FEE_SETTLED

    @is_complete.inplace.expression
    @classmethod
    def _is_complete_expression(cls):
        return and_(
            cls.status == AbstractStatus.SUBMITTED,
            cls.fee_status.in_([s.value for s in FEE_SETTLED]),
        )

    @property
    def sections(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in SECTION_NAMES}

    def release_times(
        self, session_starts_at: datetime | None = None
    ) -> tuple[datetime | None, datetime | None]:
        """(title public from, body public from): see conference.abstracts.embargo."""
        from conference.abstracts.embargo import release_times

        return release_times(
            self.congress,
            kind=self.kind,
            decision_released_at=self.decision_released_at,
            title_release_at=self.title_release_at,
            body_release_at=self.body_release_at,
            session_starts_at=session_starts_at,
        )

    def is_title_public(self, now: datetime | None = None) -> bool:
        title_at, _body_at = self.release_times()
        return title_at is not None and title_at <= (now or utcnow())

    def is_body_public(
        self, now: datetime | None = None, session_starts_at: datetime | None = None
    ) -> bool:
        _, body_at = self.release_times(session_starts_at)
        return body_at is not None and body_at <= (now or utcnow())

    def is_author(self, user: User) -> bool:
        """Listed as an author, by an email the account has confirmed."""
        if not user.is_confirmed:
            return False
        email = user.email.lower()
        return any(author.email.lower() == email for author in self.authors)

    def is_confirmed_author(self, user: User) -> bool:
        """Listed, and confirmed being an author (merely being named shows nothing), matched
        by an email the account has confirmed."""
        if not self.is_author(user):
            return False
        email = user.email.lower()
        return any(
            author.email.lower() == email and author.confirmed_at is not None
            for author in self.authors
        )

    def can_view(self, user: User | None) -> bool:
        """Submitter, confirmed authors and organizers (reviewers: through their assignments).

        A person only named on the abstract sees what they need to answer on the
        authorship page (the title and how they are listed), not the abstract or its authors.
        """
        if user is None or not user.is_authenticated:
            return False
        return user.id == self.submitter_id or user.is_organizer or self.is_confirmed_author(user)

    def can_edit(self, user: User | None) -> bool:
        return bool(user and user.is_authenticated and user.id == self.submitter_id)

    def can_change(self, user: User | None) -> bool:
        """The submitter, until the abstract is locked (see `edit_lock`)."""
        return self.can_edit(user) and self.edit_lock is None

    @property
    def edit_lock(self) -> tuple[str, str] | None:
        """(code, reason) when the author may no longer change the abstract, else None.

        The one rule for the edit page, the API and `update_abstract`: a withdrawn abstract
        is closed, and so is an accepted one once the authors were told (the program and
        the abstract book rely on its text); organizers can still change it.
        """
        if self.status == AbstractStatus.WITHDRAWN:
            return "withdrawn", _("This abstract was withdrawn and can no longer be changed.")
        if (
            self.status == AbstractStatus.SUBMITTED
            and self.released_outcome is not None
            and self.released_outcome != Outcome.REJECTED
        ):
            when = self.decision_released_at
            if when is None:
                return "accepted", _(
                    "This abstract was accepted: it can no longer be edited. Please contact the "
                    "organizers to change it."
                )
            return "accepted", _(
                "This abstract was accepted on %(day)s: it can no longer be edited. Please "
                "contact the organizers to change it.",
                day=format_when(when, "%-d %B %Y", tz=self.congress.tz),
            )
        return None

    @property
    def edit_lock_reason(self) -> str | None:
        """Why the author can no longer edit the abstract (None: they can)."""
        lock = self.edit_lock
        return lock[1] if lock else None

    def can_review(self, user: User | None) -> bool:
        """Only reviewers assigned to this abstract (blinded view)."""
        if user is None or not user.is_authenticated:
            return False
        return any(review.reviewer_id == user.id for review in self.reviews)

    def can_manage(self, user: User | None) -> bool:
        return bool(user and user.is_authenticated and user.is_organizer)

    @property
    def is_decision_released(self) -> bool:
        return self.released_outcome is not None

    @property
    def has_unreleased_change(self) -> bool:
        return self.outcome is not None and self.outcome != self.released_outcome

    @property
    def reviews_required(self) -> int:
        """Completed reviews the congress requires before a decision (its default: 3)."""
        return self.congress.reviews_per_abstract

    @property
    def completed_review_count(self) -> int:
        return len(self.overall_scores)

    @property
    def has_incomplete_reviews(self) -> bool:
        """Fewer completed reviews than required: its mean is marked, a decision confirmed."""
        return self.completed_review_count < self.reviews_required

    @property
    def overall_scores(self) -> list[int]:
        return [r.overall for r in self.reviews if r.overall is not None]

    @property
    def mean_score(self) -> float | None:
        scores = self.overall_scores
        return round(sum(scores) / len(scores), 2) if scores else None

    @property
    def score_spread(self) -> int | None:
        scores = self.overall_scores
        return max(scores) - min(scores) if len(scores) > 1 else None

    @property
    def has_large_disagreement(self) -> bool:
        """Reviewers' overall scores differ by 2 points or more."""
        spread = self.score_spread
        return spread is not None and spread >= LARGE_SPREAD

    def __repr__(self) -> str:
        return f"<Abstract {self.id} {self.number or 'draft'} {self.status}>"


class AbstractAuthor(Base):
    """One author of an abstract, in order; exactly one presents."""

    __tablename__ = "abstract_authors"
    __table_args__ = (UniqueConstraint("abstract_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    abstract_id: Mapped[int] = mapped_column(
        ForeignKey("abstracts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), index=True)
    affiliation: Mapped[str] = mapped_column(String(300), default="")
    #: ISO 3166-1 alpha-2.
    country: Mapped[str] = mapped_column(String(2), default="")
    is_presenting: Mapped[bool] = mapped_column(default=False)
    #: The author declared no relationships in the past 24 months.
    nothing_to_disclose: Mapped[bool] = mapped_column(default=False)
    #: Linked account, when one exists with this email.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: When this person confirmed being an author as listed (by the emailed link, or as the
    #: submitter listing themselves); reset when their listing changes. Only a confirmed
    #: first author's quota is used (see services.quota_holder).
    confirmed_at: Mapped[datetime | None]

    abstract: Mapped[Abstract] = relationship(back_populates="authors")
    disclosures: Mapped[list[AuthorDisclosure]] = relationship(
        back_populates="author", cascade="all, delete-orphan", order_by="AuthorDisclosure.id"
    )

    @property
    def has_disclosure(self) -> bool:
        return self.nothing_to_disclose or bool(self.disclosures)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    def __repr__(self) -> str:
        return f"<AbstractAuthor {self.position} {self.name}>"


class AuthorDisclosure(Base):
    """A financial relationship of an author with a company (past 24 months)."""

    __tablename__ = "author_disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(
        ForeignKey("abstract_authors.id", ondelete="CASCADE"), index=True
    )
    company: Mapped[str] = mapped_column(String(200))
    #: One of DISCLOSURE_TYPES.
    relationship_type: Mapped[str] = mapped_column(String(40))

    author: Mapped[AbstractAuthor] = relationship(back_populates="disclosures")

    def __repr__(self) -> str:
        return f"<AuthorDisclosure {self.company} {self.relationship_type}>"


class AbstractCounter(Base):
    """The last public number given per congress; locked FOR UPDATE to number submissions."""

    __tablename__ = "abstract_counters"

    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), primary_key=True
    )
    last_number: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<AbstractCounter {self.congress_id} {self.last_number}>"


class FirstAuthorQuotaLock(Base):
    """One row per person and congress, locked FOR UPDATE before counting their first-author
    abstracts, so two simultaneous submissions for the same person run one after the other
    (and submissions for other people do not wait)."""

    __tablename__ = "first_author_quota_locks"

    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), primary_key=True
    )
    #: The person's normalised email (an account is its email).
    email: Mapped[str] = mapped_column(String(254), primary_key=True)

    def __repr__(self) -> str:
        return f"<FirstAuthorQuotaLock {self.congress_id} {self.email}>"


class ReviewerExpertise(Base):
    """A track a reviewer declared expertise in: organizers build track pools from these."""

    __tablename__ = "reviewer_tracks"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    track_id: Mapped[int] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True
    )

    user: Mapped[User] = relationship()
    track: Mapped[Track] = relationship()

    def __repr__(self) -> str:
        return f"<ReviewerExpertise user={self.user_id} track={self.track_id}>"


class TrackReviewer(Base):
    """A reviewer in a track's review pool (chosen by organizers from declared expertise)."""

    __tablename__ = "track_reviewers"
    __table_args__ = (UniqueConstraint("track_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    track: Mapped[Track] = relationship()
    reviewer: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<TrackReviewer track={self.track_id} user={self.user_id}>"


class ReviewAssignment(Base):
    """One reviewer assigned to one abstract, with their (revisable) review."""

    __tablename__ = "review_assignments"
    __table_args__ = (
        UniqueConstraint("abstract_id", "reviewer_id"),
        CheckConstraint("novelty IS NULL OR novelty BETWEEN 1 AND 5", name="novelty_range"),
        CheckConstraint("methods IS NULL OR methods BETWEEN 1 AND 5", name="methods_range"),
        CheckConstraint("results IS NULL OR results BETWEEN 1 AND 5", name="results_range"),
        CheckConstraint("relevance IS NULL OR relevance BETWEEN 1 AND 5", name="relevance_range"),
        CheckConstraint("overall IS NULL OR overall BETWEEN 1 AND 5", name="overall_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    abstract_id: Mapped[int] = mapped_column(
        ForeignKey("abstracts.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    novelty: Mapped[int | None]
    methods: Mapped[int | None]
    results: Mapped[int | None]
    relevance: Mapped[int | None]
    overall: Mapped[int | None]
    comment_to_committee: Mapped[str] = mapped_column(Text, default="")
    comment_to_authors: Mapped[str] = mapped_column(Text, default="")
    #: First time the review was completed; None while not scored.
    reviewed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]

    abstract: Mapped[Abstract] = relationship(back_populates="reviews")
    reviewer: Mapped[User] = relationship()

    @property
    def is_complete(self) -> bool:
        return self.overall is not None

    @property
    def scores(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in SCORE_CRITERIA}

    def can_edit(self, user: User | None) -> bool:
        return bool(user and user.is_authenticated and user.id == self.reviewer_id)

    def __repr__(self) -> str:
        return f"<ReviewAssignment abstract={self.abstract_id} reviewer={self.reviewer_id}>"


class ConflictSource(enum.StrEnum):
    """How a conflict of interest was found after the reviewer had been assigned."""

    AUTHORS_CHANGED = "authors_changed"
    AFFILIATION_CHANGED = "affiliation_changed"
    DECLARED = "declared"


CONFLICT_SOURCE_LABELS = {
    ConflictSource.AUTHORS_CHANGED: _l("The abstract's authors changed"),
    ConflictSource.AFFILIATION_CHANGED: _l("The reviewer's affiliation changed"),
    ConflictSource.DECLARED: _l("Declared by the reviewer"),
}


class ReviewConflict(Base):
    """An assignment removed for a conflict of interest found after it was made.

    The review draft is kept here for the organizers; a declared conflict also keeps automatic
    assignment from giving the abstract back to that reviewer.
    """

    __tablename__ = "review_conflicts"
    __table_args__ = (
        CheckConstraint(
            "source IN ('authors_changed', 'affiliation_changed', 'declared')",
            name="source_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    abstract_id: Mapped[int] = mapped_column(
        ForeignKey("abstracts.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source: Mapped[ConflictSource] = mapped_column(String(30))
    #: Why, for organizers (names the affiliations that matched).
    reason: Mapped[str] = mapped_column(Text, default="")
    found_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_at: Mapped[datetime | None]
    #: The review as it stood when removed (scores and comments), or None when empty.
    draft: Mapped[dict | None] = mapped_column(JSON)

    abstract: Mapped[Abstract] = relationship()
    reviewer: Mapped[User] = relationship()

    @property
    def source_label(self) -> str:
        return CONFLICT_SOURCE_LABELS[ConflictSource(self.source)]

    def __repr__(self) -> str:
        return f"<ReviewConflict abstract={self.abstract_id} reviewer={self.reviewer_id}>"


class AffiliationChange(Base):
    """A reviewer's affiliation changed while they held assignments, and what it did to them."""

    __tablename__ = "affiliation_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    previous: Mapped[str] = mapped_column(String(300), default="")
    current: Mapped[str] = mapped_column(String(300), default="")
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: One entry per assignment held: congress_id, abstract_id, number, removed, reason.
    affected: Mapped[list] = mapped_column(JSON, default=list)

    user: Mapped[User] = relationship()

    def affected_in(self, congress_id: int) -> list[dict]:
        return [item for item in self.affected or [] if item.get("congress_id") == congress_id]

    def __repr__(self) -> str:
        return f"<AffiliationChange user={self.user_id} at={self.changed_at}>"


class DecisionTemplate(Base):
    """The organizer-edited email text for one outcome of one congress."""

    __tablename__ = "decision_templates"
    __table_args__ = (UniqueConstraint("congress_id", "outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    outcome: Mapped[Outcome] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<DecisionTemplate {self.congress_id} {self.outcome}>"
