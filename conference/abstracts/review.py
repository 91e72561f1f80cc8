"""Review: track pools, conflict-free automatic and manual assignment, scoring, track moves."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import selectinload

from conference.abstracts.models import (
    SCORE_CRITERIA,
    Abstract,
    AbstractStatus,
    AffiliationChange,
    ConflictSource,
    ReviewAssignment,
    ReviewConflict,
    ReviewerExpertise,
    TrackReviewer,
)
from conference.abstracts.queries import get_expertise_ids
from conference.accounts.models import Role, User, UserRole
from conference.errors import Conflict, FieldErrors, NotAllowed, ValidationFailed
from conference.extensions import db
from conference.institutions.queries import InstitutionIndex
from conference.institutions.services import record_affiliations
from conference.institutions.signals import affiliation_changed
from conference.mail import queue_mail
from conference.models import utcnow
from conference.program.models import Congress, Track
from conference.progress import Progress, report
from conference.timeutil import to_local

# -- conflicts of interest -----------------------------------------------------------------------
#
# Institutions are matched by conference.institutions: identity first (the institutions table,
# with every spelling as an alias), then the tested normalisation of free-text names.


@dataclass
class _Person:
    id: int
    email: str
    affiliation: str


@dataclass
class _AbstractProfile:
    emails: set[str]
    user_ids: set[int]
    #: (author name, affiliation) per author.
    affiliations: list[tuple[str, str]]


def _reviewer_profile(user: User) -> _Person:
    return _Person(user.id, user.email.lower(), user.affiliation or "")


def _abstract_profile(abstract: Abstract) -> _AbstractProfile:
    user_ids = {author.user_id for author in abstract.authors if author.user_id}
    user_ids.add(abstract.submitter_id)
    return _AbstractProfile(
        emails={author.email.lower() for author in abstract.authors if author.email},
        user_ids=user_ids,
        affiliations=[(author.name, author.affiliation or "") for author in abstract.authors],
    )


def _conflict_reason(
    reviewer: _Person, profile: _AbstractProfile, index: InstitutionIndex
) -> str | None:
    if reviewer.email in profile.emails or reviewer.id in profile.user_ids:
        return "the reviewer is an author of this abstract"
    for author_name, affiliation in profile.affiliations:
        match = index.match(reviewer.affiliation, affiliation)
        if match is not None:
            return (
                f"the reviewer shares an institution with author {author_name}: the "
                f"reviewer's affiliation “{reviewer.affiliation}” and the author's "
                f"“{affiliation}” {match.explain()}"
            )
    return None


def _declared_pairs(abstract_ids) -> set[tuple[int, int]]:
    ids = list(abstract_ids)
    if not ids:
        return set()
    rows = db.session.execute(
        select(ReviewConflict.abstract_id, ReviewConflict.reviewer_id).where(
            ReviewConflict.abstract_id.in_(ids),
            ReviewConflict.source == ConflictSource.DECLARED,
        )
    )
    return {(abstract_id, reviewer_id) for abstract_id, reviewer_id in rows}


DECLARED_REASON = "the reviewer declared a conflict of interest with this abstract"


def conflict_of_interest(
    abstract: Abstract, reviewer: User, index: InstitutionIndex | None = None
) -> str | None:
    """Why `reviewer` may not review `abstract` (for organizers), or None."""
    if (abstract.id, reviewer.id) in _declared_pairs([abstract.id]):
        return DECLARED_REASON
    return _conflict_reason(
        _reviewer_profile(reviewer), _abstract_profile(abstract), index or InstitutionIndex.load()
    )


# -- pools ---------------------------------------------------------------------------------------


def set_reviewer_expertise(user: User, congress: Congress, track_ids) -> list[Track]:
    """Make these tracks of `congress` the reviewer's declared expertise (other congresses'
    expertise stays)."""
    wanted = list(dict.fromkeys(track_ids or []))
    tracks = (
        list(
            db.session.scalars(
                select(Track).where(Track.id.in_(wanted), Track.congress_id == congress.id)
            )
        )
        if wanted
        else []
    )
    if len(tracks) != len(wanted):
        raise ValidationFailed(
            _("Choose tracks of this congress."), fields={"tracks": [_("Unknown track.")]}
        )
    congress_tracks = select(Track.id).where(Track.congress_id == congress.id)
    db.session.execute(
        delete(ReviewerExpertise).where(
            ReviewerExpertise.user_id == user.id, ReviewerExpertise.track_id.in_(congress_tracks)
        )
    )
    for track in tracks:
        db.session.add(ReviewerExpertise(user_id=user.id, track_id=track.id))
    db.session.flush()
    return sorted(tracks, key=lambda track: (track.position, track.id))


def set_track_reviewers(track: Track, reviewers: list[User]) -> list[User]:
    """Make `reviewers` the track's pool; each must be a reviewer with that expertise."""
    errors = FieldErrors()
    expertise = get_expertise_ids(user.id for user in reviewers)
    for user in reviewers:
        if not user.is_reviewer:
            errors.add(
                "reviewers",
                _("%(name)s does not hold the reviewer role.", name=user.display_name),
            )
        elif track.id not in expertise[user.id]:
            errors.add(
                "reviewers",
                _(
                    "%(name)s has not declared expertise in %(track)s.",
                    name=user.display_name,
                    track=track.name,
                ),
            )
    errors.raise_if_any(_("Only reviewers with this track's expertise can join its pool."))
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
    #: (reviewer id, abstract id) of each assignment made by this run.
    new_assignments: list[tuple[int, int]] = field(default_factory=list)


def assign_reviewers(
    congress: Congress,
    *,
    reviews_per_abstract: int | None = None,
    track: Track | None = None,
    allow_overload: bool = False,
    only: Abstract | None = None,
    notify: bool = True,
    progress: Progress | None = None,
) -> AssignmentSummary:
    """Give each submitted abstract N conflict-free reviewers from its track's pool.

    Existing assignments are kept. Per track, the most constrained abstracts (fewest
    eligible reviewers) are served first, each by the least-loaded eligible reviewers, and no
    reviewer gets more than ceil(total / reviewers) + 1 reviews of the track unless
    `allow_overload`. With `only`, just that abstract is served (a replacement reviewer).
    Each reviewer who received assignments gets one email listing them (unless `notify` is
    False: the caller then sends `notify_assignments` for its whole run). `progress(done,
    total)` hears of each abstract served.
    """
    wanted = reviews_per_abstract or congress.reviews_per_abstract
    if wanted < 1:
        raise ValidationFailed(
            _("Ask for at least one review per abstract."),
            fields={"reviews_per_abstract": [_("Ask for at least one review.")]},
        )
    query = (
        select(Abstract)
        .where(Abstract.congress_id == congress.id, Abstract.is_complete)
        .options(selectinload(Abstract.authors), selectinload(Abstract.reviews))
        .order_by(Abstract.id)
    )
    if track is not None:
        query = query.where(Abstract.track_id == track.id)
    if only is not None:
        query = query.where(Abstract.id == only.id)
    abstracts = list(db.session.scalars(query))
    pools = _pools(congress)
    index = InstitutionIndex.load()
    declared = _declared_pairs(a.id for a in abstracts)
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
    served = 0
    for track_id, track_abstracts in by_track.items():
        if track_id is None:
            summary.unassigned.extend((a, _("the abstract has no track")) for a in track_abstracts)
            continue
        pool = [_reviewer_profile(user) for user in pools.get(track_id, [])]
        if not pool:
            summary.unassigned.extend(
                (a, _("no reviewers are set for this track")) for a in track_abstracts
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
                if (abstract.id, person.id) not in declared and (
                    _conflict_reason(person, profile, index) is None
                ):
                    eligible.append(person)
                else:
                    conflicted += 1
            plans.append((len(eligible) - need, abstract, need, eligible, conflicted))
        plans.sort(key=lambda plan: (plan[0], plan[1].id))
        served += len(track_abstracts) - len(plans)
        for _slack, abstract, need, eligible, conflicted in plans:
            served += 1
            report(progress, served, len(abstracts))
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
                    reason = ngettext(
                        "only %(num)d eligible reviewer left in the track's pool of %(pool)s "
                        "(%(conflicted)s with a conflict of interest)",
                        "only %(num)d eligible reviewers left in the track's pool of %(pool)s "
                        "(%(conflicted)s with a conflict of interest)",
                        len(eligible),
                        pool=len(pool),
                        conflicted=conflicted,
                    )
                else:
                    reason = _(
                        "the eligible reviewers reached the load limit of %(cap)s reviews",
                        cap=cap,
                    )
                summary.unassigned.append(
                    (
                        abstract,
                        _(
                            "%(got)s of %(wanted)s reviewers: %(reason)s",
                            got=got,
                            wanted=wanted,
                            reason=reason,
                        ),
                    )
                )
    report(progress, len(abstracts), len(abstracts))
    if rows:
        db.session.execute(insert(ReviewAssignment), rows)
        db.session.flush()
        for abstract in abstracts:
            db.session.expire(abstract, ["reviews"])
        summary.new_assignments = [(row["reviewer_id"], row["abstract_id"]) for row in rows]
        if notify:
            notify_assignments(congress, summary.new_assignments)
    return summary


def notify_assignments(congress: Congress, pairs) -> int:
    """Email each reviewer once, listing their new assignments and the review deadline.

    `pairs` are (reviewer id, abstract id) of one assignment run. Blinded: the message names
    each abstract by number, title and track, never its authors or their institutions.
    """
    by_reviewer: dict[int, list[int]] = defaultdict(list)
    for reviewer_id, abstract_id in pairs:
        if abstract_id not in by_reviewer[reviewer_id]:
            by_reviewer[reviewer_id].append(abstract_id)
    if not by_reviewer:
        return 0
    abstract_ids = {i for ids in by_reviewer.values() for i in ids}
    abstracts = {
        a.id: a
        for a in db.session.scalars(
            select(Abstract)
            .where(Abstract.id.in_(abstract_ids))
            .options(selectinload(Abstract.track))
        )
    }
    reviewers = {
        u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(by_reviewer))))
    }
    closes = to_local(congress.review_closes_at, congress.tz)
    deadline = closes.strftime("%d %B %Y, %H:%M ") + str(congress.tz) if closes else None
    sent = 0
    for reviewer_id, ids in by_reviewer.items():
        reviewer = reviewers.get(reviewer_id)
        if reviewer is None or not reviewer.email:
            continue
        items = sorted(
            (abstracts[i] for i in ids if i in abstracts), key=lambda a: (a.number or "", a.id)
        )
        queue_mail(
            reviewer.email,
            # Lazy: written in the reviewer's language by queue_mail.
            LazyString(
                lambda count=len(items), short_name=congress.short_name: ngettext(
                    "%(congress)s: %(num)d abstract assigned to you for review",
                    "%(congress)s: %(num)d abstracts assigned to you for review",
                    count,
                    congress=short_name,
                )
            ),
            "abstracts/review_assigned",
            user_id=reviewer.id,
            reviewer=reviewer,
            congress=congress,
            items=items,
            deadline=deadline,
        )
        sent += 1
    return sent


# -- manual assignment ---------------------------------------------------------------------------


def assignment_candidates(
    abstract: Abstract, reviewers: list[User]
) -> list[tuple[User, str | None]]:
    """Reviewers offered for hand assignment: not yet assigned, with expertise in the abstract's
    track (any, when it has none); each with its conflict of interest (None when there is none)."""
    assigned = {r.reviewer_id for r in abstract.reviews}
    index = InstitutionIndex.load()
    expertise = get_expertise_ids(user.id for user in reviewers)
    return [
        (user, conflict_of_interest(abstract, user, index))
        for user in reviewers
        if user.id not in assigned
        and (abstract.track_id is None or abstract.track_id in expertise[user.id])
    ]


def add_reviewer(abstract: Abstract, reviewer: User) -> ReviewAssignment:
    """Assign one reviewer by hand (they are emailed); refuse conflicts of interest."""
    if abstract.status != AbstractStatus.SUBMITTED:
        raise Conflict(_("Only submitted abstracts are reviewed."), code="not_submitted")
    if not abstract.is_complete:
        raise Conflict(
            _(
                "The abstract fee is not paid yet; the abstract is reviewed once it is paid or "
                "waived."
            ),
            code="fee_unpaid",
        )
    if not reviewer.has_role(Role.REVIEWER):
        raise Conflict(
            _("%(name)s is not a reviewer.", name=reviewer.display_name), code="not_reviewer"
        )
    existing = next((r for r in abstract.reviews if r.reviewer_id == reviewer.id), None)
    if existing is not None:
        return existing
    reason = conflict_of_interest(abstract, reviewer)
    if reason:
        raise Conflict(
            _(
                "%(name)s cannot review %(number)s: %(reason)s.",
                name=reviewer.display_name,
                number=abstract.number,
                reason=reason,
            ),
            code="conflict_of_interest",
        )
    assignment = ReviewAssignment(abstract=abstract, reviewer=reviewer, assigned_at=utcnow())
    db.session.add(assignment)
    db.session.flush()
    notify_assignments(abstract.congress, [(reviewer.id, abstract.id)])
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


def review_lock_reason(abstract: Abstract, now: datetime | None = None) -> str | None:
    """Why reviews of `abstract` can no longer be changed, or None while they can."""
    if abstract.is_decision_released:
        return _("The decision on this abstract has been released; its reviews are locked.")
    if review_is_closed(abstract.congress, now):
        return _("Review has closed; scores can no longer be changed.")
    return None


#: What a reviewer is told when their assignment turned out to be conflicted (blinded: it
#: names neither the authors nor their affiliations).
CONFLICTED_REVIEWER_MESSAGE = _l(
    "You can no longer review this abstract: you have a conflict of interest with its "
    "authors. Please declare the conflict so that the abstract goes to another reviewer."
)


def save_review(assignment: ReviewAssignment, data: dict, now: datetime | None = None):
    """Store or revise the reviewer's scores (1-5) and comments until review closes.

    Refused once the decision is released (reviews lock then) and when the reviewer now has a
    conflict of interest with the abstract (re-checked at every save).
    """
    now = now or utcnow()
    abstract = assignment.abstract
    if abstract.is_decision_released:
        raise Conflict(review_lock_reason(abstract, now), code="review_locked")
    if review_is_closed(abstract.congress, now):
        raise NotAllowed(_("Review has closed; scores can no longer be changed."))
    if abstract.status != AbstractStatus.SUBMITTED:
        raise Conflict(
            _("This abstract was withdrawn and is no longer reviewed."), code="withdrawn"
        )
    if not abstract.is_complete:
        raise Conflict(_("The abstract fee is not paid yet."), code="fee_unpaid")
    if conflict_of_interest(abstract, assignment.reviewer) is not None:
        raise Conflict(str(CONFLICTED_REVIEWER_MESSAGE), code="conflict_of_interest")
    errors = FieldErrors()
    scores = data.get("scores") or {}
    values = {}
    for name in (*SCORE_CRITERIA, "overall"):
        raw = data.get("overall") if name == "overall" else scores.get(name)
        key = name if name == "overall" else f"scores.{name}"
        try:
            value = int(raw)
        except (TypeError, ValueError):
            errors.add(key, _("Give a score from 1 to 5."))
            continue
        if (
            isinstance(raw, bool)
            or (isinstance(raw, float) and raw != value)
            or not 1 <= value <= 5
        ):
            errors.add(key, _("Give a score from 1 to 5."))
            continue
        values[name] = value
    comments = {}
    for name in ("comment_to_committee", "comment_to_authors"):
        text = str(data.get(name) or "").strip()
        if len(text) > 10000:
            errors.add(name, _("Keep the comment under 10,000 characters."))
        comments[name] = text
    errors.raise_if_any(_("Please give every score from 1 to 5."))
    for name, value in {**values, **comments}.items():
        setattr(assignment, name, value)
    assignment.reviewed_at = assignment.reviewed_at or now
    assignment.updated_at = now
    db.session.flush()
    return assignment


# -- conflicts found after assignment ------------------------------------------------------------


def _draft_of(assignment: ReviewAssignment) -> dict | None:
    draft = {
        "scores": assignment.scores,
        "overall": assignment.overall,
        "comment_to_committee": assignment.comment_to_committee or "",
        "comment_to_authors": assignment.comment_to_authors or "",
    }
    empty = (
        not any(draft["scores"].values())
        and draft["overall"] is None
        and not draft["comment_to_committee"]
        and not draft["comment_to_authors"]
    )
    return None if empty else draft


def _organizer_addresses(congress: Congress) -> list[str]:
    if congress.contact_email:
        return [congress.contact_email]
    return list(
        db.session.scalars(
            select(User.email)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                UserRole.role.in_([Role.ORGANIZER, Role.ADMIN]),
                User.is_active_account.is_(True),
            )
            .distinct()
            .order_by(User.email)
        )
    )


def _remove_for_conflict(
    assignment: ReviewAssignment, source: ConflictSource, reason: str, now: datetime
) -> ReviewConflict:
    abstract = assignment.abstract
    record = ReviewConflict(
        abstract=abstract,
        reviewer=assignment.reviewer,
        source=source,
        reason=reason,
        found_at=now,
        assigned_at=assignment.assigned_at,
        draft=_draft_of(assignment),
    )
    db.session.add(record)
    abstract.reviews.remove(assignment)
    db.session.flush()
    return record


def _replace_and_tell(removed: list[ReviewConflict]) -> None:
    """Give each abstract that lost a reviewer a replacement, and tell the organizers."""
    by_congress: dict[int, list[tuple[ReviewConflict, str]]] = defaultdict(list)
    new_assignments: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for record in removed:
        abstract = record.abstract
        summary = assign_reviewers(abstract.congress, only=abstract, notify=False)
        new_assignments[abstract.congress_id].extend(summary.new_assignments)
        # Lazy: written in the recipients' language when the email is rendered.
        if summary.assigned:
            replacement = _l("a replacement reviewer was assigned")
        elif summary.unassigned:
            replacement = _l(
                "no replacement could be assigned automatically (%(reason)s)",
                reason=summary.unassigned[0][1],
            )
        else:
            replacement = _l("no replacement could be assigned automatically")
        by_congress[abstract.congress_id].append((record, replacement))
    for items in by_congress.values():
        congress = items[0][0].abstract.congress
        # Replacement reviewers: one message each for the whole re-check.
        notify_assignments(congress, new_assignments[congress.id])
        addresses = _organizer_addresses(congress)
        if addresses:
            queue_mail(
                addresses,
                _l(
                    "%(congress)s: review assignments removed for conflicts of interest",
                    congress=congress.short_name,
                ),
                "abstracts/review_conflicts",
                congress=congress,
                items=items,
            )


def recheck_conflicts(
    abstract: Abstract | None = None,
    user: User | None = None,
    *,
    previous_affiliation: str | None = None,
    now: datetime | None = None,
) -> list[ReviewConflict]:
    """Re-check the conflicts of interest of an abstract's or a reviewer's assignments.

    Call it whenever an abstract's authors or a person's affiliation change. Unknown
    institutions in the new affiliations are added to the institutions list. Assignments that
    became conflicted are removed (their drafts kept in ReviewConflict), the abstract gets a
    replacement reviewer when the pool has one, and the organizers are told by email. Reviews
    of abstracts whose decision was released stay as they are. A reviewer's affiliation change
    is logged with the assignments it affected.
    """
    now = now or utcnow()
    if abstract is not None:
        record_affiliations([(author.affiliation, author.country) for author in abstract.authors])
        assignments = list(abstract.reviews)
        source = ConflictSource.AUTHORS_CHANGED
    elif user is not None:
        record_affiliations([(user.affiliation, user.country)])
        assignments = list(
            db.session.scalars(
                select(ReviewAssignment)
                .where(ReviewAssignment.reviewer_id == user.id)
                .options(selectinload(ReviewAssignment.abstract).selectinload(Abstract.authors))
                .order_by(ReviewAssignment.id)
            )
        )
        source = ConflictSource.AFFILIATION_CHANGED
    else:
        return []
    index = InstitutionIndex.load()
    removed: list[ReviewConflict] = []
    affected: list[dict] = []
    for assignment in assignments:
        target = assignment.abstract
        reason = _conflict_reason(
            _reviewer_profile(assignment.reviewer), _abstract_profile(target), index
        )
        locked = target.is_decision_released  # reviews lock at release
        entry = {
            "congress_id": target.congress_id,
            "abstract_id": target.id,
            "number": target.number,
            "removed": bool(reason) and not locked,
            "reason": reason or "",
        }
        affected.append(entry)
        if reason and not locked:
            removed.append(_remove_for_conflict(assignment, source, reason, now))
    if user is not None and abstract is None and assignments:
        db.session.add(
            AffiliationChange(
                user=user,
                previous=(previous_affiliation or "")[:300],
                current=(user.affiliation or "")[:300],
                changed_at=now,
                affected=affected,
            )
        )
        db.session.flush()
    if removed:
        _replace_and_tell(removed)
    return removed


@affiliation_changed.connect
def _on_affiliation_changed(user: User, previous: str | None = None, **_) -> None:
    """Accounts announce profile affiliation changes; re-check that person's assignments."""
    if (previous or "") != (user.affiliation or ""):
        recheck_conflicts(user=user, previous_affiliation=previous)


def declare_conflict(
    assignment: ReviewAssignment, explanation: str = "", now: datetime | None = None
) -> ReviewConflict:
    """The reviewer declares a conflict of interest: the abstract is reassigned to another."""
    now = now or utcnow()
    abstract = assignment.abstract
    if abstract.is_decision_released:
        raise Conflict(review_lock_reason(abstract, now), code="review_locked")
    explanation = " ".join((explanation or "").split())
    if len(explanation) > 1000:
        raise ValidationFailed(
            _("Keep the explanation under 1,000 characters."),
            fields={"explanation": [_("Keep the explanation under 1,000 characters.")]},
        )
    reason = DECLARED_REASON + (f": “{explanation}”" if explanation else "")
    record = _remove_for_conflict(assignment, ConflictSource.DECLARED, reason, now)
    _replace_and_tell([record])
    return record


def move_abstract_track(abstract: Abstract, track: Track) -> Abstract:
    """Move an abstract to another track; its reviews stay."""
    if track.congress_id != abstract.congress_id or not track.is_active:
        raise Conflict(_("Choose an active track of this congress."), code="bad_track")
    abstract.track = track
    db.session.flush()
    return abstract
