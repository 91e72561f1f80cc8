"""When an abstract's title and body become public (DOMAIN.md: confidentiality and embargo).

Nothing of an abstract is public before its decision is released. Then its title is public
from its own `title_release_at`, else the congress's `abstract_titles_release_at`; its body
from its own `body_release_at`, else, for a late-breaking abstract, the start of the session
that presents it, else the congress's `abstract_bodies_release_at`. A body is never public
before its title. None means "not public (yet)".
"""

from __future__ import annotations

from datetime import datetime

from conference.abstracts.models import AbstractKind
from conference.program.models import Congress


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
    if decision_released_at is None:
        return None, None
    title = title_release_at or congress.abstract_titles_release_at
    if body_release_at is not None:
        body = body_release_at
    elif kind == AbstractKind.LATE_BREAKING:
        body = session_starts_at
    else:
        body = congress.abstract_bodies_release_at
    if title is None:
        return None, None
    if body is not None and body < title:
        body = title
    return title, body
