"""Reads of abstracts, assignments and review progress, with their eager loading."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from conference.abstracts.models import (
    PRESENTED_OUTCOMES,
    Abstract,
    AbstractAuthor,
    AbstractStatus,
    AffiliationChange,
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
    """Abstracts the user submitted or is listed on as an author."""
    authored = select(AbstractAuthor.abstract_id).where(
        func.lower(AbstractAuthor.email) == user.email.lower()
    )
    return select(Abstract).where(
        Abstract.congress_id == congress.id,
        or_(Abstract.submitter_id == user.id, Abstract.id.in_(authored)),
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


def get_accepted_abstracts(congress: Congress, *, confirmed_only: bool = False) -> list[Abstract]:
    """Abstracts accepted for presentation whose decision was released (for the program).

    Each has `outcome` (plenary, oral, poster_discussion, poster), `presenting_author`
    (an AbstractAuthor; `user_id` links an account when one exists) and
    `presenter_confirmed_at`.
    """
    query = (
        select(Abstract)
        .where(
            Abstract.congress_id == congress.id,
            Abstract.status == AbstractStatus.SUBMITTED,
            Abstract.outcome.in_([o.value for o in PRESENTED_OUTCOMES]),
            Abstract.released_outcome == Abstract.outcome,
        )
        .options(selectinload(Abstract.authors), selectinload(Abstract.track))
        .order_by(Abstract.number)
    )
    if confirmed_only:
        query = query.where(Abstract.presenter_confirmed_at.is_not(None))
    return list(db.session.scalars(query))


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
