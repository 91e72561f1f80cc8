"""Reads of abstracts, assignments and review progress, with their eager loading."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from conference.abstracts.models import (
    SECTION_NAMES,
    Abstract,
    AbstractAuthor,
    AbstractStatus,
    AffiliationChange,
    AuthorDisclosure,
    ReviewAssignment,
    ReviewConflict,
    ReviewerExpertise,
    TrackReviewer,
)
from conference.accounts.models import Role, User, UserRole
from conference.extensions import db
from conference.program.models import Congress, Track

_FULL = (
    selectinload(Abstract.authors).selectinload(AbstractAuthor.disclosures),
    selectinload(Abstract.track),
    selectinload(Abstract.reviews).selectinload(ReviewAssignment.reviewer),
)


def get_abstract(abstract_id: int) -> Abstract | None:
    return db.session.scalar(select(Abstract).where(Abstract.id == abstract_id).options(*_FULL))


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
    return query.options(*_FULL).order_by(Abstract.id)


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
    congress: Congress, *, track: Track | None = None, sort: str = "mean"
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
    abstracts = list(db.session.scalars(query))
    if sort == "mean":
        abstracts.sort(key=lambda a: (a.mean_score is None, -(a.mean_score or 0), a.number or ""))
    elif sort == "spread":
        abstracts.sort(key=lambda a: (-(a.score_spread or -1), a.number or ""))
    return abstracts


def get_reviewers(congress: Congress) -> list[User]:
    """Every reviewer account, for pool pages (their expertise: get_expertise_ids)."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.REVIEWER)
            .order_by(User.name)
        ).unique()
    )


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
        base.add_columns(Track.name)
        .join(Track, Track.id == Abstract.track_id)
        .group_by(Track.name)
        .order_by(Track.name)
    ).all()
    per_reviewer = db.session.execute(
        base.add_columns(User.name)
        .join(User, User.id == ReviewAssignment.reviewer_id)
        .group_by(User.id, User.name)
        .order_by(User.name)
    ).all()
    return (
        [Progress(name, assigned, done) for assigned, done, name in per_track],
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
