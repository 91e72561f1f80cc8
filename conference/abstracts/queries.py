"""Reads of abstracts, assignments and review progress, with their eager loading."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import Session, selectinload

from conference.abstracts.models import (
    PRESENTED_OUTCOMES,
    SECTION_NAMES,
    Abstract,
    AbstractAuthor,
    AbstractStatus,
    AffiliationChange,
    AuthorDisclosure,
    Outcome,
    ReviewAssignment,
    ReviewConflict,
    ReviewerExpertise,
    TrackReviewer,
)
from conference.accounts.models import Role, User
from conference.accounts.queries import users_with_role
from conference.extensions import db
from conference.program.models import Congress, Track

#: The outcome filter value for submitted abstracts without a decision yet.
UNDECIDED = "undecided"

_FULL = (
    selectinload(Abstract.authors).selectinload(AbstractAuthor.disclosures),
    selectinload(Abstract.track),
    selectinload(Abstract.reviews).selectinload(ReviewAssignment.reviewer),
)


#: session.info key: ids of abstracts whose row this transaction holds FOR UPDATE.
LOCKED_ABSTRACTS = "locked_abstracts"


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_locked_abstracts(session, *args) -> None:
    session.info.pop(LOCKED_ABSTRACTS, None)


def get_abstract(abstract_id: int, *, for_update: bool = False) -> Abstract | None:
    """The abstract with its authors, disclosures, track and reviews. `for_update` locks its
    row first (the relationships are read after the lock), for a change that the services
    serialize per abstract (they then do not lock and re-read it a second time)."""
    query = select(Abstract).where(Abstract.id == abstract_id).options(*_FULL)
    if for_update:
        query = query.with_for_update(of=Abstract).execution_options(populate_existing=True)
    abstract = db.session.scalar(query)
    if for_update and abstract is not None:
        db.session.info.setdefault(LOCKED_ABSTRACTS, set()).add(abstract.id)
    return abstract


def own_abstracts_query(congress: Congress, user: User):
    """Abstracts the user submitted or confirmed being an author of (matched by email only once
    the account's email is confirmed: anyone can sign up with someone else's address)."""
    if not user.is_confirmed:
        return select(Abstract).where(
            Abstract.congress_id == congress.id, Abstract.submitter_id == user.id
        )
    authored = select(AbstractAuthor.abstract_id).where(
        func.lower(AbstractAuthor.email) == user.email.lower(),
        AbstractAuthor.confirmed_at.is_not(None),
    )
    return select(Abstract).where(
        Abstract.congress_id == congress.id,
        or_(Abstract.submitter_id == user.id, Abstract.id.in_(authored)),
    )


def get_authorship_requests(congress: Congress, user: User) -> list[AbstractAuthor]:
    """The user's unconfirmed listings on submitted abstracts of the congress."""
    return list(
        db.session.scalars(
            select(AbstractAuthor)
            .join(Abstract, Abstract.id == AbstractAuthor.abstract_id)
            .where(
                Abstract.congress_id == congress.id,
                Abstract.status == AbstractStatus.SUBMITTED,
                func.lower(AbstractAuthor.email) == user.email.lower(),
                AbstractAuthor.confirmed_at.is_(None),
            )
            .options(selectinload(AbstractAuthor.abstract))
            .order_by(Abstract.number)
        )
    )


def abstracts_query(
    congress: Congress,
    user: User,
    *,
    status: str | None = None,
    track: Track | None = None,
    outcome: str | None = None,
    all_visible: bool = False,
):
    """Abstracts `user` may list (organizers: all when `all_visible`), filtered."""
    if all_visible and user.is_organizer:
        query = select(Abstract).where(Abstract.congress_id == congress.id)
    else:
        query = own_abstracts_query(congress, user)
    if status:
        query = query.where(Abstract.status == status)
    if track is not None:
        query = query.where(Abstract.track_id == track.id)
    if outcome:
        query = query.where(_outcome_clause(outcome))
    return query.options(*_FULL).order_by(Abstract.id)


def _outcome_clause(outcome: str):
    """Abstracts decided `outcome` (an Outcome value), or not decided yet (UNDECIDED)."""
    if outcome == UNDECIDED:
        return Abstract.outcome.is_(None)
    return Abstract.outcome == outcome


def outcome_filter(value: str) -> str:
    """A known outcome filter value from a query string, else "" (no filter)."""
    return value if value in {UNDECIDED, *(o.value for o in Outcome)} else ""


def get_own_abstracts(congress: Congress, user: User) -> list[Abstract]:
    return list(db.session.scalars(abstracts_query(congress, user)))


def get_assignments(reviewer: User, congress: Congress) -> list[ReviewAssignment]:
    """The reviewer's assignments on submitted abstracts (withdrawn ones drop out)."""
    return list(
        db.session.scalars(
            select(ReviewAssignment)
            .join(Abstract, Abstract.id == ReviewAssignment.abstract_id)
            .where(
                ReviewAssignment.reviewer_id == reviewer.id,
                Abstract.congress_id == congress.id,
                Abstract.status == AbstractStatus.SUBMITTED,
            )
            .options(selectinload(ReviewAssignment.abstract).selectinload(Abstract.track))
            .order_by(Abstract.number)
        )
    )


def get_assignment(
    reviewer: User, abstract_id: int, *, include_withdrawn: bool = False
) -> ReviewAssignment | None:
    """The reviewer's assignment on a submitted abstract (None once it is withdrawn, unless
    `include_withdrawn`: the API then lets save_review refuse it as a conflict)."""
    query = (
        select(ReviewAssignment)
        .join(Abstract, Abstract.id == ReviewAssignment.abstract_id)
        .where(
            ReviewAssignment.reviewer_id == reviewer.id,
            ReviewAssignment.abstract_id == abstract_id,
        )
        .options(selectinload(ReviewAssignment.abstract).selectinload(Abstract.track))
    )
    if not include_withdrawn:
        query = query.where(Abstract.status == AbstractStatus.SUBMITTED)
    return db.session.scalar(query)


def get_submitted_abstracts(
    congress: Congress, *, track: Track | None = None, sort: str = "mean", outcome: str = ""
) -> list[Abstract]:
    """Submitted abstracts with reviews, sorted by mean overall score (best first) or number."""
    query = (
        select(Abstract)
        .where(Abstract.congress_id == congress.id, Abstract.status == AbstractStatus.SUBMITTED)
        .options(*_FULL)
        .order_by(Abstract.number)
    )
    if track is not None:
        query = query.where(Abstract.track_id == track.id)
    if outcome:
        query = query.where(_outcome_clause(outcome))
    abstracts = list(db.session.scalars(query))
    if sort == "mean":
        abstracts.sort(key=lambda a: (a.mean_score is None, -(a.mean_score or 0), a.number or ""))
    elif sort == "spread":
        abstracts.sort(key=lambda a: (-(a.score_spread or -1), a.number or ""))
    return abstracts


def get_reviewers(congress: Congress) -> list[User]:
    """Every reviewer account, for pool pages (their expertise: get_expertise_ids)."""
    return users_with_role(Role.REVIEWER, congress.id)


def get_pool_ids(congress: Congress) -> dict[int, set[int]]:
    rows = db.session.execute(
        select(TrackReviewer.track_id, TrackReviewer.user_id)
        .join(Track, Track.id == TrackReviewer.track_id)
        .where(Track.congress_id == congress.id)
    ).all()
    pools: dict[int, set[int]] = {}
    for track_id, user_id in rows:
        pools.setdefault(track_id, set()).add(user_id)
    return pools


@dataclass
class Progress:
    label: str
    assigned: int
    done: int
    #: The track's slug (per-track progress only), for links to the track's lists.
    slug: str | None = None

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.assigned) if self.assigned else 0


def review_progress(congress: Congress) -> tuple[list[Progress], list[Progress]]:
    """Reviews assigned and done per track and per reviewer (two grouped queries)."""
    base = (
        select(
            func.count(ReviewAssignment.id),
            func.count(ReviewAssignment.overall),
        )
        .join(Abstract, Abstract.id == ReviewAssignment.abstract_id)
        .where(Abstract.congress_id == congress.id, Abstract.status == AbstractStatus.SUBMITTED)
    )
    per_track = db.session.execute(
        base.add_columns(Track.name, Track.slug)
        .join(Track, Track.id == Abstract.track_id)
        .group_by(Track.name, Track.slug)
        .order_by(Track.name)
    ).all()
    per_reviewer = db.session.execute(
        base.add_columns(User.name)
        .join(User, User.id == ReviewAssignment.reviewer_id)
        .group_by(User.id, User.name)
        .order_by(User.name)
    ).all()
    return (
        [Progress(name, assigned, done, slug) for assigned, done, name, slug in per_track],
        [Progress(name, assigned, done) for assigned, done, name in per_reviewer],
    )


# -- accepted for presentation (the program reads abstracts only through these) -----------


def accepted_for_presentation(congress: Congress):
    """Abstracts of `congress` accepted for presentation with that decision released to
    their authors: the one rule (`Abstract.is_acceptance_released`) of what may be scheduled
    and shown in the program."""
    return select(Abstract).where(
        Abstract.congress_id == congress.id, Abstract.is_acceptance_released
    )


def count_accepted_abstracts(congress: Congress, *, excluding=None) -> int:
    """How many abstracts are accepted for presentation (`excluding`: as get_accepted_abstracts)."""
    query = accepted_for_presentation(congress)
    if excluding is not None:
        query = query.where(Abstract.id.not_in(excluding))
    subquery = query.with_only_columns(Abstract.id).subquery()
    return db.session.scalar(select(func.count()).select_from(subquery)) or 0


def get_accepted_abstracts(
    congress: Congress, *, confirmed_only: bool = False, excluding=None
) -> list[Abstract]:
    """Abstracts accepted for presentation whose decision was released (for the program).

    Each has `outcome` (plenary, oral, poster_discussion, poster), `presenting_author`
    (an AbstractAuthor; `user_id` links an account when one exists) and
    `presenter_confirmed_at`. `excluding`: a select of abstract ids to leave out (those
    already placed in the program).
    """
    query = (
        accepted_for_presentation(congress)
        .options(selectinload(Abstract.authors), selectinload(Abstract.track))
        .order_by(Abstract.number, Abstract.id)
    )
    if confirmed_only:
        query = query.where(Abstract.presenter_confirmed_at.is_not(None))
    if excluding is not None:
        query = query.where(Abstract.id.not_in(excluding))
    return list(db.session.scalars(query))


def get_congress_abstract(congress: Congress, abstract_id: int) -> Abstract | None:
    """One abstract of `congress` with its authors (None: not of this congress)."""
    return db.session.scalar(
        select(Abstract)
        .where(Abstract.id == abstract_id, Abstract.congress_id == congress.id)
        .options(selectinload(Abstract.authors))
    )


@dataclass(frozen=True)
class Headline:
    """What the program editor may say about an abstract it placed."""

    id: int
    number: str | None
    title: str
    outcome: str | None
    is_presentable: bool

    @property
    def label(self) -> str:
        return f"{self.number or self.id}: {self.title}"


def get_headlines(congress: Congress, abstract_ids) -> dict[int, Headline]:
    """Number, title, decision and presentability of these abstracts of `congress`."""
    if not abstract_ids:
        return {}
    rows = db.session.execute(
        select(
            Abstract.id,
            Abstract.number,
            Abstract.title,
            Abstract.outcome,
            Abstract.is_acceptance_released,
        ).where(Abstract.congress_id == congress.id, Abstract.id.in_(sorted(set(abstract_ids))))
    )
    return {
        row.id: Headline(row.id, row.number, row.title, row.outcome, bool(row[4])) for row in rows
    }


@dataclass(frozen=True)
class ProgramText:
    """The public text of an abstract accepted for presentation (shown after its embargo)."""

    id: int
    number: str | None
    title: str
    outcome: str
    kind: str
    #: [(heading, text)] of the non-empty sections, in order.
    sections: list = field(default_factory=list)


def get_program_texts(congress: Congress, abstract_ids) -> dict[int, ProgramText]:
    """Texts of those of these abstracts that are accepted for presentation."""
    if not abstract_ids:
        return {}
    rows = db.session.execute(
        select(
            Abstract.id,
            Abstract.number,
            Abstract.title,
            Abstract.outcome,
            Abstract.kind,
            *(getattr(Abstract, name) for name in SECTION_NAMES),
        ).where(
            Abstract.congress_id == congress.id,
            Abstract.is_acceptance_released,
            Abstract.id.in_(sorted(set(abstract_ids))),
        )
    )
    return {
        row.id: ProgramText(
            row.id,
            row.number,
            row.title,
            str(row.outcome),
            str(row.kind),
            [
                [name.capitalize(), getattr(row, name)]
                for name in SECTION_NAMES
                if getattr(row, name)
            ],
        )
        for row in rows
    }


def get_presenter_disclosures(congress: Congress, abstract_ids) -> list:
    """(email lower-cased, nothing to disclose, company, relationship type) of the presenting
    authors of these abstracts (one row per disclosure; company None when there is none)."""
    if not abstract_ids:
        return []
    return list(
        db.session.execute(
            select(
                func.lower(AbstractAuthor.email),
                AbstractAuthor.nothing_to_disclose,
                AuthorDisclosure.company,
                AuthorDisclosure.relationship_type,
            )
            .join(Abstract, Abstract.id == AbstractAuthor.abstract_id)
            .outerjoin(AuthorDisclosure, AuthorDisclosure.author_id == AbstractAuthor.id)
            .where(
                Abstract.congress_id == congress.id,
                AbstractAuthor.abstract_id.in_(sorted(set(abstract_ids))),
                AbstractAuthor.is_presenting.is_(True),
            )
        ).all()
    )


def get_release_rows(congress: Congress) -> list:
    """(id, kind, decision released at, title release at, body release at) of every abstract
    of `congress` accepted for presentation, by id: what the embargo is computed from."""
    return list(
        db.session.execute(
            select(
                Abstract.id,
                Abstract.kind,
                Abstract.decision_released_at,
                Abstract.title_release_at,
                Abstract.body_release_at,
            )
            .where(Abstract.congress_id == congress.id, Abstract.is_acceptance_released)
            .order_by(Abstract.id)
        ).all()
    )


def get_review_conflicts(congress: Congress, abstract: Abstract | None = None) -> list:
    """Assignments removed for conflicts found after assignment, newest first, with drafts."""
    query = (
        select(ReviewConflict)
        .join(Abstract, Abstract.id == ReviewConflict.abstract_id)
        .where(Abstract.congress_id == congress.id)
        .options(selectinload(ReviewConflict.abstract), selectinload(ReviewConflict.reviewer))
        .order_by(ReviewConflict.found_at.desc(), ReviewConflict.id.desc())
    )
    if abstract is not None:
        query = query.where(ReviewConflict.abstract_id == abstract.id)
    return list(db.session.scalars(query))


def get_affiliation_changes(congress: Congress, limit: int = 200) -> list[tuple]:
    """Reviewers' affiliation changes after assignment, each with its assignments in
    `congress` (changes that touched none of them are left out), newest first."""
    changes = db.session.scalars(
        select(AffiliationChange)
        .options(selectinload(AffiliationChange.user))
        .order_by(AffiliationChange.changed_at.desc(), AffiliationChange.id.desc())
        .limit(limit)
    )
    found = []
    for change in changes:
        affected = change.affected_in(congress.id)
        if affected:
            found.append((change, affected))
    return found


def get_expertise(user: User, congress: Congress | None = None) -> list[Track]:
    """The tracks `user` declared expertise in (of `congress` when given), in track order."""
    query = (
        select(Track)
        .join(ReviewerExpertise, ReviewerExpertise.track_id == Track.id)
        .where(ReviewerExpertise.user_id == user.id)
        .order_by(Track.congress_id, Track.position, Track.id)
    )
    if congress is not None:
        query = query.where(Track.congress_id == congress.id)
    return list(db.session.scalars(query))


def get_expertise_ids(user_ids) -> dict[int, set[int]]:
    """Track ids of each user's declared expertise, in one query."""
    ids = list(user_ids)
    found: dict[int, set[int]] = {user_id: set() for user_id in ids}
    if not ids:
        return found
    rows = db.session.execute(
        select(ReviewerExpertise.user_id, ReviewerExpertise.track_id).where(
            ReviewerExpertise.user_id.in_(ids)
        )
    )
    for user_id, track_id in rows:
        found[user_id].add(track_id)
    return found


def dashboard_figures(congress: Congress) -> dict:
    """The abstracts domain's figures for the organizer dashboard (grouped counts only)."""
    by_track_status = db.session.execute(
        select(Abstract.track_id, Abstract.status, func.count(Abstract.id))
        .where(Abstract.congress_id == congress.id)
        .group_by(Abstract.track_id, Abstract.status)
    ).all()
    by_outcome = db.session.execute(
        select(Abstract.outcome, func.count(Abstract.id))
        .where(Abstract.congress_id == congress.id, Abstract.status == AbstractStatus.SUBMITTED)
        .group_by(Abstract.outcome)
    ).all()
    tracks = {track.id: track for track in congress.tracks}
    statuses = [status.value for status in AbstractStatus]
    per_track: dict[int | None, dict[str, int]] = {}
    for track_id, status, count in by_track_status:
        per_track.setdefault(track_id, dict.fromkeys(statuses, 0))[str(status)] = count
    ordered = sorted(
        per_track, key=lambda t: (t is None, tracks[t].position if t in tracks else 0, t or 0)
    )
    outcomes = {str(outcome) if outcome else UNDECIDED: count for outcome, count in by_outcome}
    per_track_reviews, per_reviewer = review_progress(congress)
    return {
        "by_track": [
            {
                "slug": tracks[t].slug if t in tracks else None,
                "name": tracks[t].name if t in tracks else _("No track"),
                **per_track[t],
            }
            for t in ordered
        ],
        "outcomes": {
            **{outcome.value: outcomes.get(outcome.value, 0) for outcome in Outcome},
            UNDECIDED: outcomes.get(UNDECIDED, 0),
        },
        "accepted": sum(outcomes.get(outcome.value, 0) for outcome in PRESENTED_OUTCOMES),
        "review_per_track": per_track_reviews,
        "reviewers_behind": [p for p in per_reviewer if p.done < p.assigned],
        "reviewers": len(per_reviewer),
    }


def get_presenting_authors(congress: Congress) -> list[tuple[str, str]]:
    """(name, email) of the presenting author of every abstract accepted for presentation
    (acceptance released), one entry per address, by name; for bulk mailings."""
    subquery = accepted_for_presentation(congress).with_only_columns(Abstract.id).subquery()
    rows = db.session.execute(
        select(AbstractAuthor.name, AbstractAuthor.email)
        .where(AbstractAuthor.abstract_id.in_(select(subquery.c.id)))
        .where(AbstractAuthor.is_presenting.is_(True))
        .order_by(AbstractAuthor.name, AbstractAuthor.id)
    )
    people: dict[str, str] = {}
    for name, email in rows:
        address = (email or "").strip().lower()
        if address:
            people.setdefault(address, name)
    return [(name, email) for email, name in people.items()]


def get_declared_relationships(congress: Congress, email: str) -> list[tuple[str, str]]:
    """(company, relationship type) a person declared as an author on any of their abstracts
    of `congress` (not withdrawn), once each, in the order first declared: what the CME
    disclosure form offers them so nothing is typed twice."""
    address = (email or "").strip().lower()
    if not address:
        return []
    rows = db.session.execute(
        select(AuthorDisclosure.company, AuthorDisclosure.relationship_type)
        .join(AbstractAuthor, AbstractAuthor.id == AuthorDisclosure.author_id)
        .join(Abstract, Abstract.id == AbstractAuthor.abstract_id)
        .where(
            Abstract.congress_id == congress.id,
            Abstract.status != AbstractStatus.WITHDRAWN,
            func.lower(AbstractAuthor.email) == address,
        )
        .order_by(AuthorDisclosure.id)
    )
    seen: dict[tuple[str, str], None] = {}
    for company, relationship_type in rows:
        seen.setdefault((company.strip(), relationship_type), None)
    return list(seen)
