"""Writes to the schedule: sessions, their chairs and discussants, presentations inside them.

Structural errors (a session ending before it starts, a presentation outside its session, an
accredited industry satellite) are refused with a ValidationFailed; overlaps between sessions
are allowed and reported by `conference.program.conflicts` as warnings.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from conference.abstracts.models import Abstract, AbstractAuthor
from conference.accounts.queries import get_confirmed_user_by_email
from conference.errors import FieldErrors, ValidationFailed
from conference.extensions import db
from conference.program.models import Congress, Room, Track
from conference.program.queries import is_id
from conference.program.schedule_models import (
    Presentation,
    PresentationSpeaker,
    ProgramSession,
    SessionFormat,
    SessionPerson,
    SessionRole,
    Speaker,
)

DEFAULT_TALK_MINUTES = 15
NAMED_EMAIL_RE = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s]+@[^<>\s]+)>\s*$")
EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
SESSION_FIELDS = (
    "title",
    "format",
    "track",
    "room",
    "starts_at",
    "ends_at",
    "chairs",
    "discussants",
    "is_accredited",
    "expected_audience",
    "ticketed_seats",
    "description",
)


# -- people ----------------------------------------------------------------------------------


def find_speaker_by_email(congress: Congress, email: str) -> Speaker | None:
    return db.session.scalar(
        select(Speaker)
        .where(Speaker.congress_id == congress.id, Speaker.email == email.lower())
        .limit(1)
    )


def ensure_speaker(
    congress: Congress,
    *,
    name: str,
    email: str | None = None,
    affiliation: str = "",
    country: str = "",
    user_id: int | None = None,
) -> Speaker:
    """Return the congress's speaker with this email, creating one if needed."""
    if email:
        speaker = find_speaker_by_email(congress, email)
        if speaker is not None:
            return speaker
    speaker = Speaker(
        congress_id=congress.id,
        name=name.strip()[:200] or (email or "Unnamed"),
        email=email.lower() if email else None,
        affiliation=affiliation[:300],
        country=(country or "")[:2],
        user_id=user_id,
        disclosures=[],
    )
    db.session.add(speaker)
    db.session.flush()
    return speaker


def speaker_for_author(congress: Congress, author: AbstractAuthor) -> Speaker:
    return ensure_speaker(
        congress,
        name=author.name,
        email=author.email,
        affiliation=author.affiliation,
        country=author.country,
        user_id=author.user_id,
    )


def resolve_people(congress: Congress, entries, field: str, errors: FieldErrors) -> list[Speaker]:
    """Turn emails (or "Name <email>") into speakers; unknown bare emails are field errors."""
    people: list[Speaker] = []
    for raw in entries or ():
        raw = (raw or "").strip()
        if not raw:
            continue
        match = NAMED_EMAIL_RE.match(raw)
        name, email = (match["name"], match["email"]) if match else ("", raw)
        if not EMAIL_RE.match(email):
            errors.add(field, f"“{raw}” is not an email address.")
            continue
        speaker = find_speaker_by_email(congress, email)
        if speaker is None:
            user = get_confirmed_user_by_email(email)
            if user is not None:
                speaker = ensure_speaker(
                    congress,
                    name=user.name,
                    email=email,
                    affiliation=user.affiliation,
                    country=user.country,
                    user_id=user.id,
                )
            elif name:
                speaker = ensure_speaker(congress, name=name, email=email)
            else:
                errors.add(
                    field,
                    f"Nobody is known with the email {email}: write it as “Name <{email}>” "
                    "to add this person.",
                )
                continue
        if speaker not in people:
            people.append(speaker)
    return people


def update_speaker(speaker: Speaker, **data) -> Speaker:
    """Change a person's details and disclosures ([{"company", "relationship"}])."""
    from conference.abstracts.models import (
        DISCLOSURE_LABELS,
        DISCLOSURE_TYPES,
        disclosure_type_from_text,
    )

    errors = FieldErrors()
    if "name" in data:
        name = (data["name"] or "").strip()
        if not name:
            errors.add("name", "Give the person's name.")
        data["name"] = name[:200]
    if "email" in data:
        email = (data["email"] or "").strip().lower() or None
        if email and not EMAIL_RE.match(email):
            errors.add("email", "This is not an email address.")
        elif email:
            other = db.session.scalar(
                select(Speaker.id).where(
                    Speaker.congress_id == speaker.congress_id,
                    Speaker.email == email,
                    Speaker.id != speaker.id,
                )
            )
            if other:
                errors.add("email", "Another person on the program has this email.")
        data["email"] = email
    disclosures = []
    for entry in data.get("disclosures") or []:
        company = (entry.get("company") or "").strip()
        typed = (entry.get("relationship") or "").strip()
        relationship = disclosure_type_from_text(typed)
        if not company or relationship not in DISCLOSURE_TYPES:
            errors.add(
                "disclosures",
                f"“{company}: {typed}”: give a company and one of "
                + "; ".join(str(label) for label in DISCLOSURE_LABELS.values())
                + ".",
            )
            continue
        disclosures.append({"company": company[:200], "relationship": relationship})
    if data.get("nothing_to_disclose") and disclosures:
        errors.add("nothing_to_disclose", "Either nothing to disclose, or list relationships.")
    errors.raise_if_any()
    for key in ("name", "email", "affiliation", "country", "nothing_to_disclose"):
        if key in data:
            setattr(speaker, key, data[key] if key != "affiliation" else (data[key] or "")[:300])
    if "disclosures" in data:
        speaker.disclosures = disclosures
    db.session.flush()
    return speaker


def parse_disclosures(text: str | None) -> list[dict]:
    """Read "Company: relationship" lines of a form."""
    entries = []
    for line in (text or "").splitlines():
        if line.strip():
            company, _, relationship = line.rpartition(":")
            entries.append({"company": company.strip(), "relationship": relationship.strip()})
    return entries


def parse_people(text: str | None) -> list[str]:
    """Split a form's people field (one per line or comma-separated)."""
    if not text:
        return []
    return [part.strip() for part in re.split(r"[\n;]|,(?![^<]*>)", text) if part.strip()]


# -- sessions --------------------------------------------------------------------------------


def _check_session(congress: Congress, data: dict, errors: FieldErrors) -> None:
    if "title" in data:
        title = (data["title"] or "").strip()
        if not title:
            errors.add("title", "Give the session a title.")
        elif len(title) > 300:
            errors.add("title", "Keep the title under 300 characters.")
        data["title"] = title
    if "format" in data:
        try:
            data["format"] = SessionFormat(data["format"])
        except ValueError:
            errors.add("format", "Choose one of the session formats.")
    for key, model in (("track", Track), ("room", Room)):
        if key in data and data[key] is not None and not isinstance(data[key], model):
            found = db.session.get(model, data[key]) if is_id(data[key]) else None
            if found is None and key == "track" and isinstance(data[key], str):
                found = db.session.scalar(
                    select(Track).where(Track.congress_id == congress.id, Track.slug == data[key])
                )
            if found is None or found.congress_id != congress.id:
                errors.add(key, f"No such {key} in this congress.")
            data[key] = found
    for key, label in (("expected_audience", "expected audience"), ("ticketed_seats", "seats")):
        value = data.get(key)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100_000
        ):
            errors.add(key, f"The number of {label} must be a whole number from 0 to 100000.")


def _check_times(starts_at, ends_at, errors: FieldErrors) -> None:
    if starts_at is None:
        errors.add("starts_at", "Give a start time.")
    if ends_at is None:
        errors.add("ends_at", "Give an end time.")
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        errors.add("ends_at", "The session must end after it starts.")


def _set_people(congress, session, role, people) -> None:
    """Make `people` the session's chairs (or discussants), reusing rows that stay."""
    current = {p.speaker_id: p for p in session.people if p.role == role and p.speaker_id}
    wanted = {speaker.id for speaker in people}
    for link in [p for p in session.people if p.role == role]:
        if link.speaker_id not in wanted:
            session.people.remove(link)
    db.session.flush()
    for position, speaker in enumerate(people):
        link = current.get(speaker.id)
        if link is None:
            session.people.append(SessionPerson(speaker=speaker, role=role, position=position))
        else:
            link.position = position


def create_session(congress: Congress, **data) -> ProgramSession:
    """Add a session to the schedule (overlaps become warnings, not errors)."""
    errors = FieldErrors()
    data = {key: value for key, value in data.items() if key in SESSION_FIELDS}
    data.setdefault("title", "")
    data.setdefault("format", "")
    _check_session(congress, data, errors)
    _check_times(data.get("starts_at"), data.get("ends_at"), errors)
    chairs = resolve_people(congress, data.pop("chairs", ()), "chairs", errors)
    discussants = resolve_people(congress, data.pop("discussants", ()), "discussants", errors)
    if data.get("format") == SessionFormat.INDUSTRY_SATELLITE and data.get("is_accredited"):
        errors.add("is_accredited", "Industry satellite symposia are never CME-accredited.")
    errors.raise_if_any()
    session = ProgramSession(
        congress_id=congress.id,
        title=data["title"],
        format=data["format"],
        track=data.get("track"),
        room=data.get("room"),
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        description=data.get("description") or "",
        is_accredited=bool(data.get("is_accredited")),
        expected_audience=data.get("expected_audience"),
        ticketed_seats=data.get("ticketed_seats"),
    )
    db.session.add(session)
    _set_people(congress, session, SessionRole.CHAIR, chairs)
    _set_people(congress, session, SessionRole.DISCUSSANT, discussants)
    db.session.flush()
    return session


def update_session(session: ProgramSession, **data) -> ProgramSession:
    """Change a session. Moving it (same length) moves its presentations along; a resize that
    would leave a presentation outside the session is refused."""
    congress = db.session.get(Congress, session.congress_id)
    errors = FieldErrors()
    data = {key: value for key, value in data.items() if key in SESSION_FIELDS}
    _check_session(congress, data, errors)
    starts_at = data.get("starts_at") or session.starts_at
    ends_at = data.get("ends_at") or session.ends_at
    if "starts_at" in data and "ends_at" not in data:
        ends_at = starts_at + (session.ends_at - session.starts_at)  # a move keeps the length
    _check_times(starts_at, ends_at, errors)
    chairs = (
        resolve_people(congress, data.pop("chairs"), "chairs", errors) if "chairs" in data else None
    )
    discussants = (
        resolve_people(congress, data.pop("discussants"), "discussants", errors)
        if "discussants" in data
        else None
    )
    new_format = data.get("format", session.format)
    accredited = data.get("is_accredited", session.is_accredited)
    if new_format == SessionFormat.INDUSTRY_SATELLITE and accredited:
        errors.add("is_accredited", "Industry satellite symposia are never CME-accredited.")
    errors.raise_if_any()

    shift = starts_at - session.starts_at
    is_move = shift and (ends_at - starts_at) == (session.ends_at - session.starts_at)
    for presentation in session.presentations:
        if presentation.starts_at is None or presentation.ends_at is None:
            continue
        if is_move:
            presentation.starts_at += shift
            presentation.ends_at += shift
        elif presentation.starts_at < starts_at or presentation.ends_at > ends_at:
            errors.add(
                "ends_at" if presentation.ends_at > ends_at else "starts_at",
                f"“{presentation.display_title[:80]}” would fall outside the session: move or "
                "shorten it first.",
            )
    errors.raise_if_any("A presentation would fall outside its session.")
    session.starts_at, session.ends_at = starts_at, ends_at
    for key in (
        "title",
        "format",
        "track",
        "room",
        "description",
        "expected_audience",
        "ticketed_seats",
    ):
        if key in data:
            setattr(session, key, data[key] if key != "description" else (data[key] or ""))
    if "is_accredited" in data:
        session.is_accredited = bool(data["is_accredited"])
    if chairs is not None:
        _set_people(congress, session, SessionRole.CHAIR, chairs)
    if discussants is not None:
        _set_people(congress, session, SessionRole.DISCUSSANT, discussants)
    db.session.flush()
    return session


def delete_session(session: ProgramSession) -> None:
    db.session.delete(session)
    db.session.flush()


# -- presentations ---------------------------------------------------------------------------


def is_schedulable(abstract: Abstract) -> bool:
    """Accepted for presentation and that decision released (the abstracts domain's rule)."""
    return bool(abstract.is_acceptance_released)


def _next_slot(session: ProgramSession, minutes: int) -> tuple[datetime, datetime]:
    timed = [p.ends_at for p in session.presentations if p.ends_at is not None]
    start = max(timed) if timed else session.starts_at
    end = min(start + timedelta(minutes=minutes), session.ends_at)
    return start, end


def _check_inside(session, starts_at, ends_at, errors: FieldErrors) -> None:
    if starts_at is None or ends_at is None:
        errors.add("starts_at", "Give the presentation a start and an end time.")
        return
    if ends_at <= starts_at:
        errors.add("ends_at", "The presentation must end after it starts.")
    if starts_at < session.starts_at or ends_at > session.ends_at:
        errors.add(
            "starts_at" if starts_at < session.starts_at else "ends_at",
            "The presentation must fit inside its session's time.",
        )


def add_presentation(
    session: ProgramSession,
    *,
    abstract: Abstract | None = None,
    title: str = "",
    text: str = "",
    speakers=(),
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    board_number: str | None = None,
    type_label: str = "",
    position: int | None = None,
) -> Presentation:
    """Place an accepted abstract (or an invited talk) in a session, at the end by default."""
    congress = db.session.get(Congress, session.congress_id)
    errors = FieldErrors()
    people: list[Speaker] = []
    if abstract is not None:
        if abstract.congress_id != congress.id or not is_schedulable(abstract):
            errors.add(
                "abstract",
                "Only abstracts whose acceptance has been released to their authors can be "
                "placed in the program.",
            )
        else:
            placed = db.session.scalar(
                select(Presentation).where(Presentation.abstract_id == abstract.id)
            )
            if placed is not None:
                errors.add("abstract", "This abstract is already placed in a session.")
            presenter = abstract.presenting_author or abstract.first_author
            if presenter is not None:
                people.append(speaker_for_author(congress, presenter))
    else:
        title = (title or "").strip()
        if not title:
            errors.add("title", "Give the talk a title.")
        people = [s for s in speakers if isinstance(s, Speaker)] + resolve_people(
            congress, [s for s in speakers if isinstance(s, str)], "speakers", errors
        )
    errors.raise_if_any()

    is_poster = session.format == SessionFormat.POSTER
    if is_poster:
        starts_at = ends_at = None
        if not board_number:
            board_number = f"P{len(session.presentations) + 1:03d}"
    else:
        if starts_at is None and ends_at is None:
            starts_at, ends_at = _next_slot(session, DEFAULT_TALK_MINUTES)
            if ends_at <= starts_at:
                raise ValidationFailed(
                    "The session is full: lengthen it or give the presentation a time.",
                    fields={"starts_at": ["No time is left in this session."]},
                )
        elif ends_at is None and starts_at is not None:
            ends_at = starts_at + timedelta(minutes=DEFAULT_TALK_MINUTES)
        _check_inside(session, starts_at, ends_at, errors)
        errors.raise_if_any("The presentation must fit inside its session.")
    presentation = Presentation(
        abstract=abstract,
        title=title if abstract is None else "",
        text=text or "",
        type_label=type_label or "",
        starts_at=starts_at,
        ends_at=ends_at,
        board_number=board_number,
        position=len(session.presentations) if position is None else position,
    )
    for index, speaker in enumerate(dict.fromkeys(people)):
        presentation.speakers.append(PresentationSpeaker(speaker=speaker, position=index))
    try:
        with db.session.begin_nested():  # another organizer may place it at the same moment
            session.presentations.append(presentation)
    except IntegrityError:
        raise ValidationFailed(
            "This abstract was just placed in a session by someone else.",
            fields={"abstract": ["This abstract is already placed in a session."]},
        ) from None
    if position is not None:
        reorder_presentations(session, _ordered_with(session, presentation, position))
    return presentation


def _ordered_with(session, presentation, position) -> list[int]:
    ids = [p.id for p in session.presentations if p.id != presentation.id]
    ids.insert(max(0, min(position, len(ids))), presentation.id)
    return ids


def update_presentation(
    presentation: Presentation,
    *,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    board_number: str | None = None,
    title: str | None = None,
) -> Presentation:
    session = presentation.session
    errors = FieldErrors()
    if session.format == SessionFormat.POSTER:
        if board_number is not None:
            presentation.board_number = board_number.strip()[:20] or None
    else:
        starts_at = starts_at or presentation.starts_at
        ends_at = ends_at or presentation.ends_at
        _check_inside(session, starts_at, ends_at, errors)
        errors.raise_if_any("The presentation must fit inside its session.")
        presentation.starts_at, presentation.ends_at = starts_at, ends_at
    if title is not None and presentation.abstract_id is None:
        if not title.strip():
            raise ValidationFailed("Give the talk a title.", fields={"title": ["Required."]})
        presentation.title = title.strip()
    db.session.flush()
    return presentation


def move_presentation(presentation: Presentation, session: ProgramSession, position: int):
    """Move a presentation to another session (or place) and re-time both sessions."""
    old = presentation.session
    if old.id != session.id:
        if session.congress_id != old.congress_id:
            raise ValidationFailed("No such session.", fields={"session": ["Unknown session."]})
        presentation.session = session  # moves it between the two collections
        if session.format == SessionFormat.POSTER:
            presentation.starts_at = presentation.ends_at = None
            presentation.board_number = presentation.board_number or (
                f"P{len(session.presentations):03d}"
            )
        db.session.flush()
        reorder_presentations(old, [p.id for p in old.presentations])
    reorder_presentations(session, _ordered_with(session, presentation, position))
    return presentation


def reorder_presentations(session: ProgramSession, ordered_ids: list[int]) -> None:
    """Put presentations in this order and run them back to back from the session's start,
    keeping each one's length; refuses an order that no longer fits."""
    by_id = {p.id: p for p in session.presentations}
    if set(ordered_ids) != set(by_id):
        raise ValidationFailed(
            "The order must list every presentation of the session once.",
            fields={"order": ["Reload the page and try again."]},
        )
    cursor = session.starts_at
    for position, presentation_id in enumerate(ordered_ids):
        presentation = by_id[presentation_id]
        presentation.position = position
        if session.format == SessionFormat.POSTER:
            continue
        length = (
            presentation.ends_at - presentation.starts_at
            if presentation.starts_at and presentation.ends_at
            else timedelta(minutes=DEFAULT_TALK_MINUTES)
        )
        presentation.starts_at, presentation.ends_at = cursor, cursor + length
        cursor += length
    if session.format != SessionFormat.POSTER and cursor > session.ends_at:
        raise ValidationFailed(
            "These presentations do not fit in the session: lengthen it or shorten a talk.",
            fields={"order": ["Not enough time in the session."]},
        )
    session.presentations.sort(key=lambda p: p.position)
    db.session.flush()


def remove_presentation(presentation: Presentation) -> None:
    session = presentation.session
    db.session.delete(presentation)
    db.session.flush()
    db.session.expire(session, ["presentations"])
