"""Review: track pools, conflict-free automatic and manual assignment, scoring, track moves."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import selectinload

from conference.abstracts.models import (
    SCORE_CRITERIA,
    Abstract,
    AbstractStatus,
    ReviewAssignment,
    TrackReviewer,
)
from conference.accounts.models import Role, User
from conference.errors import Conflict, FieldErrors, NotAllowed, ValidationFailed
from conference.extensions import db
from conference.models import utcnow
from conference.program.models import Congress, Track

# -- conflicts of interest -----------------------------------------------------------------------

_ABBREVIATIONS = {
    "univ": "university",
    "uni": "university",
    "universitat": "university",
    "universite": "university",
    "universidad": "university",
    "universita": "university",
    "universiteit": "university",
    "inst": "institute",
    "institut": "institute",
    "instituto": "institute",
    "istituto": "institute",
    "hosp": "hospital",
    "hopital": "hospital",
    "ctr": "center",
    "centre": "center",
    "centro": "center",
    "zentrum": "center",
    "med": "medical",
    "natl": "national",
}
_STOPWORDS = {"the", "of", "and", "for", "de", "der", "des", "di", "la", "le", "du", "y", "et"}
_DEPARTMENT_WORDS = (
    "department",
    "dept",
    "division",
    "unit",
    "service",
    "section",
    "laboratory",
    "lab",
    "faculty",
    "school of",
    "clinic of",
)


def _normalize_part(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    words = re.findall(r"[a-z0-9]+", text)
    words = [_ABBREVIATIONS.get(word, word) for word in words]
    return " ".join(word for word in words if word not in _STOPWORDS)


@functools.lru_cache(maxsize=8192)
def institution_keys(affiliation: str | None) -> frozenset[str]:
    """Normalised institutions of an affiliation string.

    Several affiliations are separated by ";" or new lines. Within one, comma-separated
    parts that name a department are skipped and the first remaining part is taken as the
    institution ("Dept. of Oncology, Karolinska Institutet, Stockholm" -> "karolinska
    institutet"); accents, case, punctuation, "the"/"of" and common abbreviations
    ("Univ.", "Inst.", "Centre") do not matter.
    """
    keys: set[str] = set()
    for one in re.split(r"[;\n]+", affiliation or ""):
        parts = [_normalize_part(part) for part in one.split(",")]
        parts = [part for part in parts if part]
        institution = next(
            (part for part in parts if not part.startswith(_DEPARTMENT_WORDS)),
            parts[0] if parts else "",
        )
        if institution:
            keys.add(institution)
    return frozenset(keys)


@dataclass
class _Person:
    id: int
    email: str
    institutions: frozenset[str]


def _reviewer_profile(user: User) -> _Person:
    return _Person(user.id, user.email.lower(), institution_keys(user.affiliation))


def _abstract_profile(abstract: Abstract) -> tuple[set[str], set[int], set[str]]:
    emails = {author.email.lower() for author in abstract.authors if author.email}
    user_ids = {author.user_id for author in abstract.authors if author.user_id}
    user_ids.add(abstract.submitter_id)
    institutions: set[str] = set()
    for author in abstract.authors:
        institutions |= institution_keys(author.affiliation)
    return emails, user_ids, institutions


def _conflict_reason(reviewer: _Person, profile) -> str | None:
    emails, user_ids, institutions = profile
    if reviewer.email in emails or reviewer.id in user_ids:
        return "the reviewer is an author of this abstract"
    shared = reviewer.institutions & institutions
    if shared:
        return f"the reviewer shares an institution with an author ({sorted(shared)[0]})"
    return None


def conflict_of_interest(abstract: Abstract, reviewer: User) -> str | None:
    """Why `reviewer` may not review `abstract`, or None."""
    return _conflict_reason(_reviewer_profile(reviewer), _abstract_profile(abstract))


# -- pools ---------------------------------------------------------------------------------------


def set_track_reviewers(track: Track, reviewers: list[User]) -> list[User]:
    """Make `reviewers` the track's pool; each must be a reviewer with that expertise."""
    errors = FieldErrors()
    for user in reviewers:
        if not user.is_reviewer:
            errors.add("reviewers", f"{user.display_name} does not hold the reviewer role.")
        elif track not in user.expertise:
            errors.add(
                "reviewers", f"{user.display_name} has not declared expertise in {track.name}."
            )
    errors.raise_if_any("Only reviewers with this track's expertise can join its pool.")
    db.session.execute(delete(TrackReviewer).where(TrackReviewer.track_id == track.id))
    for user in reviewers:
        db.session.add(TrackReviewer(track_id=track.id, user_id=user.id))
    db.session.flush()
    return reviewers


def _pools(congress: Congress) -> dict[int, list[User]]:
    rows = db.session.execute(
        select(TrackReviewer.track_id, User)
        .join(User, User.id == TrackReviewer.user_id)
        .join(Track, Track.id == TrackReviewer.track_id)
        .where(Track.congress_id == congress.id, User.is_active_account.is_(True))
        .order_by(User.id)
    ).all()
    pools: dict[int, list[User]] = defaultdict(list)
    for track_id, user in rows:
        pools[track_id].append(user)
    return pools


# -- automatic assignment ------------------------------------------------------------------------


@dataclass
class AssignmentSummary:
    assigned: int = 0
    #: (abstract, reason) for each abstract left with fewer reviewers than asked.
    unassigned: list[tuple[Abstract, str]] = field(default_factory=list)
    per_reviewer: dict[int, int] = field(default_factory=dict)


def assign_reviewers(
    congress: Congress,
    *,
    reviews_per_abstract: int | None = None,
    track: Track | None = None,
    allow_overload: bool = False,
) -> AssignmentSummary:
    """Give each submitted abstract N conflict-free reviewers from its track's pool.

    Existing assignments are kept. Per track, the most constrained abstracts (fewest
    eligible reviewers) are served first, each by the least-loaded eligible reviewers, and no
    reviewer gets more than ceil(total / reviewers) + 1 reviews of the track unless
    `allow_overload`.
    """
    wanted = reviews_per_abstract or congress.reviews_per_abstract
    if wanted < 1:
        raise ValidationFailed(
            "Ask for at least one review per abstract.",
            fields={"reviews_per_abstract": ["Ask for at least one review."]},
        )
    query = (
        select(Abstract)
        .where(Abstract.congress_id == congress.id, Abstract.status == AbstractStatus.SUBMITTED)
        .options(selectinload(Abstract.authors), selectinload(Abstract.reviews))
        .order_by(Abstract.id)
    )
    if track is not None:
        query = query.where(Abstract.track_id == track.id)
    abstracts = list(db.session.scalars(query))
    pools = _pools(congress)
    summary = AssignmentSummary()
    by_track: dict[int | None, list[Abstract]] = defaultdict(list)
    for abstract in abstracts:
        by_track[abstract.track_id].append(abstract)
    now = utcnow()
    rows: list[dict] = []
    #: Reviews per reviewer across tracks: breaks ties so multi-track reviewers stay balanced.
    overall_load: dict[int, int] = defaultdict(int)
    for abstract in abstracts:
        for existing in abstract.reviews:
            overall_load[existing.reviewer_id] += 1
    for track_id, track_abstracts in by_track.items():
        if track_id is None:
            summary.unassigned.extend((a, "the abstract has no track") for a in track_abstracts)
            continue
        pool = [_reviewer_profile(user) for user in pools.get(track_id, [])]
        if not pool:
            summary.unassigned.extend(
                (a, "no reviewers are set for this track") for a in track_abstracts
            )
            continue
        load = {person.id: 0 for person in pool}
        for abstract in track_abstracts:
            for review in abstract.reviews:
                if review.reviewer_id in load:
                    load[review.reviewer_id] += 1
        total = len(track_abstracts) * wanted
        cap = math.ceil(total / len(pool)) + 1
        plans = []
        for abstract in track_abstracts:
            have = {review.reviewer_id for review in abstract.reviews}
            need = wanted - len(have)
            if need <= 0:
                continue
            profile = _abstract_profile(abstract)
            eligible, conflicted = [], 0
            for person in pool:
                if person.id in have:
                    continue
                if _conflict_reason(person, profile) is None:
                    eligible.append(person)
                else:
                    conflicted += 1
            plans.append((len(eligible) - need, abstract, need, eligible, conflicted))
        plans.sort(key=lambda plan: (plan[0], plan[1].id))
        for _slack, abstract, need, eligible, conflicted in plans:
            candidates = sorted(
                eligible,
                key=lambda person: (load[person.id], overall_load[person.id], person.id),
            )
            if not allow_overload:
                candidates = [person for person in candidates if load[person.id] < cap]
            chosen = candidates[:need]
            for person in chosen:
                load[person.id] += 1
                overall_load[person.id] += 1
                rows.append(
                    {"abstract_id": abstract.id, "reviewer_id": person.id, "assigned_at": now}
                )
                summary.per_reviewer[person.id] = summary.per_reviewer.get(person.id, 0) + 1
            summary.assigned += len(chosen)
            if len(chosen) < need:
                got = wanted - need + len(chosen)
                if len(eligible) < need:
                    reason = (
                        f"only {len(eligible)} eligible reviewer(s) left in the track's pool "
                        f"of {len(pool)} ({conflicted} with a conflict of interest)"
                    )
                else:
                    reason = f"the eligible reviewers reached the load limit of {cap} reviews"
                summary.unassigned.append((abstract, f"{got} of {wanted} reviewers: {reason}"))
    if rows:
        db.session.execute(insert(ReviewAssignment), rows)
        db.session.flush()
        for abstract in abstracts:
            db.session.expire(abstract, ["reviews"])
    return summary


# -- manual assignment ---------------------------------------------------------------------------


def assignment_candidates(
    abstract: Abstract, reviewers: list[User]
) -> list[tuple[User, str | None]]:
    """Reviewers offered for hand assignment: not yet assigned, with expertise in the abstract's
    track (any, when it has none); each with its conflict of interest (None when there is none)."""
    assigned = {r.reviewer_id for r in abstract.reviews}
    return [
        (user, conflict_of_interest(abstract, user))
        for user in reviewers
        if user.id not in assigned and (abstract.track is None or abstract.track in user.expertise)
    ]


def add_reviewer(abstract: Abstract, reviewer: User) -> ReviewAssignment:
    """Assign one reviewer by hand; refuse conflicts of interest with the reason."""
    if abstract.status != AbstractStatus.SUBMITTED:
        raise Conflict("Only submitted abstracts are reviewed.", code="not_submitted")
    if not reviewer.has_role(Role.REVIEWER):
        raise Conflict(f"{reviewer.display_name} is not a reviewer.", code="not_reviewer")
    existing = next((r for r in abstract.reviews if r.reviewer_id == reviewer.id), None)
    if existing is not None:
        return existing
    reason = conflict_of_interest(abstract, reviewer)
    if reason:
        raise Conflict(
            f"{reviewer.display_name} cannot review {abstract.number}: {reason}.",
            code="conflict_of_interest",
        )
    assignment = ReviewAssignment(abstract=abstract, reviewer=reviewer, assigned_at=utcnow())
    db.session.add(assignment)
    db.session.flush()
    return assignment


def remove_reviewer(abstract: Abstract, reviewer: User) -> None:
    """Take a reviewer off an abstract (their review, if any, goes with them)."""
    assignment = next((r for r in abstract.reviews if r.reviewer_id == reviewer.id), None)
    if assignment is not None:
        abstract.reviews.remove(assignment)
        db.session.flush()


# -- reviewing -----------------------------------------------------------------------------------


def review_is_closed(congress: Congress, now: datetime | None = None) -> bool:
    """Whether the review deadline has passed (scores can no longer be changed)."""
    closes = congress.review_closes_at
    return closes is not None and (now or utcnow()) >= closes


def save_review(assignment: ReviewAssignment, data: dict, now: datetime | None = None):
    """Store or revise the reviewer's scores (1-5) and comments until review closes."""
    now = now or utcnow()
    abstract = assignment.abstract
    if review_is_closed(abstract.congress, now):
        raise NotAllowed("Review has closed; scores can no longer be changed.")
    if abstract.status != AbstractStatus.SUBMITTED:
        raise Conflict("This abstract was withdrawn and is no longer reviewed.", code="withdrawn")
    errors = FieldErrors()
    scores = data.get("scores") or {}
    values = {}
    for name in (*SCORE_CRITERIA, "overall"):
        raw = data.get("overall") if name == "overall" else scores.get(name)
        key = name if name == "overall" else f"scores.{name}"
        try:
            value = int(raw)
        except (TypeError, ValueError):
            errors.add(key, "Give a score from 1 to 5.")
            continue
        if (
            isinstance(raw, bool)
            or (isinstance(raw, float) and raw != value)
            or not 1 <= value <= 5
        ):
            errors.add(key, "Give a score from 1 to 5.")
            continue
        values[name] = value
    comments = {}
    for name in ("comment_to_committee", "comment_to_authors"):
        text = str(data.get(name) or "").strip()
        if len(text) > 10000:
            errors.add(name, "Keep the comment under 10,000 characters.")
        comments[name] = text
    errors.raise_if_any("Please give every score from 1 to 5.")
    for name, value in {**values, **comments}.items():
        setattr(assignment, name, value)
    assignment.reviewed_at = assignment.reviewed_at or now
    assignment.updated_at = now
    db.session.flush()
    return assignment


def move_abstract_track(abstract: Abstract, track: Track) -> Abstract:
    """Move an abstract to another track; its reviews stay."""
    if track.congress_id != abstract.congress_id or not track.is_active:
        raise Conflict("Choose an active track of this congress.", code="bad_track")
    abstract.track = track
    db.session.flush()
    return abstract
