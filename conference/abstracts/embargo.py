"""When an abstract's title and body become public (DOMAIN.md: confidentiality and embargo).

Nothing of an abstract is public unless it is accepted for presentation and that decision is
released (`Abstract.is_acceptance_released`). Then its title is public from its own
`title_release_at`, else the congress's `abstract_titles_release_at`; its body from its own
`body_release_at`, else, for a late-breaking abstract, the start of the session that presents
it, else the congress's `abstract_bodies_release_at`. A body is never public before its title.
None means "not public (yet)".

Everything public (program pages, exports, the API) reads the embargo as it is *now*
(`current_embargo`), never a copy taken when the program was published: a copy kept for speed
is keyed by `EmbargoState.fingerprint`, which changes with every release time it depends on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _

from conference.abstracts.models import AbstractKind
from conference.program.models import Congress


def _release(
    titles_release_at: datetime | None,
    bodies_release_at: datetime | None,
    *,
    kind: str,
    decision_released_at: datetime | None,
    title_release_at: datetime | None,
    body_release_at: datetime | None,
    session_starts_at: datetime | None,
) -> tuple[datetime | None, datetime | None]:
    if decision_released_at is None:
        return None, None
    title = title_release_at or titles_release_at
    if body_release_at is not None:
        body = body_release_at
    elif kind == AbstractKind.LATE_BREAKING:
        body = session_starts_at
    else:
        body = bodies_release_at
    if title is None:
        return None, None
    if body is not None and body < title:
        body = title
    return title, body


def release_times(
    congress: Congress,
    *,
    kind: str,
    decision_released_at: datetime | None,
    title_release_at: datetime | None,
    body_release_at: datetime | None,
    session_starts_at: datetime | None = None,
) -> tuple[datetime | None, datetime | None]:
    """Return (title public from, body public from) for one abstract."""
    return _release(
        congress.abstract_titles_release_at,
        congress.abstract_bodies_release_at,
        kind=kind,
        decision_released_at=decision_released_at,
        title_release_at=title_release_at,
        body_release_at=body_release_at,
        session_starts_at=session_starts_at,
    )


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else "-"


@dataclass(frozen=True)
class EmbargoState:
    """The embargo of every abstract of a congress at one moment of the data (plain values,
    safe to keep between requests)."""

    titles_release_at: datetime | None
    bodies_release_at: datetime | None
    #: abstract id -> (kind, decision released at, title release at, body release at), for
    #: the abstracts accepted for presentation only: any other abstract is never public.
    rows: dict[int, tuple] = field(default_factory=dict)
    #: Changes whenever anything above changes (keys cached pages and stored exports).
    fingerprint: str = ""

    def is_presentable(self, abstract_id: int | None) -> bool:
        return abstract_id in self.rows

    def release_times(
        self, abstract_id: int, session_starts_at: datetime | None
    ) -> tuple[datetime | None, datetime | None]:
        """(title public from, body public from); (None, None) when never public."""
        row = self.rows.get(abstract_id)
        if row is None:
            return None, None
        kind, decision_released_at, title_release_at, body_release_at = row
        return _release(
            self.titles_release_at,
            self.bodies_release_at,
            kind=kind,
            decision_released_at=decision_released_at,
            title_release_at=title_release_at,
            body_release_at=body_release_at,
            session_starts_at=session_starts_at,
        )


def current_embargo(congress: Congress) -> EmbargoState:
    """The embargo as the data says now (one query)."""
    from conference.abstracts.queries import get_release_rows

    rows = {row.id: (str(row.kind), row[2], row[3], row[4]) for row in get_release_rows(congress)}
    digest = hashlib.sha256()
    digest.update(
        f"{_iso(congress.abstract_titles_release_at)}|{_iso(congress.abstract_bodies_release_at)}".encode()
    )
    for abstract_id, (kind, decided, title_at, body_at) in rows.items():
        digest.update(
            f";{abstract_id},{kind},{_iso(decided)},{_iso(title_at)},{_iso(body_at)}".encode()
        )
    return EmbargoState(
        congress.abstract_titles_release_at,
        congress.abstract_bodies_release_at,
        rows,
        digest.hexdigest()[:32],
    )


def set_release_times(
    abstract, *, title_release_at: datetime | None, body_release_at: datetime | None
):
    """Set an abstract's own release times (None: the congress's defaults, or for a
    late-breaking body the start of its session). Every public page and export follows at
    once: they read the embargo live (`current_embargo`)."""
    from conference.errors import ValidationFailed
    from conference.extensions import db

    for value in (title_release_at, body_release_at):
        if value is not None and value.tzinfo is None:
            raise ValueError("release times are aware datetimes (UTC)")
    if title_release_at and body_release_at and body_release_at < title_release_at:
        raise ValidationFailed(
            _("The abstract's text cannot be published before its title."),
            fields={
                "body_release_at": [
                    _("Choose a time at or after the title's release, or leave it empty.")
                ]
            },
        )
    abstract.title_release_at = title_release_at
    abstract.body_release_at = body_release_at
    db.session.flush()
    return abstract
