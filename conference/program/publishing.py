"""Publishing program versions: a snapshot built from flat queries, the changes since the
previous version, and one email to each person whose part changed (conference.program.notices).

Publishing is two steps for people (web and API alike), like releasing decisions:
`preview_publication` shows what would change and who would be told (one rendered sample per
email template) and writes nothing; `publish_program(..., preview_token=...)` publishes exactly
the previewed draft, or refuses when the draft or the latest version changed since.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, render_template
from flask_babel import gettext, ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from conference.abstracts.embargo import current_embargo
from conference.abstracts.queries import get_presenter_disclosures, get_program_texts
from conference.content.services import translated
from conference.errors import Conflict
from conference.extensions import db
from conference.i18n import in_language
from conference.mail import queue_mail
from conference.models import utcnow
from conference.program import notices as notices_module
from conference.program.book import queue_book_build
from conference.program.cme import cme_credits, session_credits
from conference.program.conflicts import detect_conflicts
from conference.program.export_store import build_version_exports
from conference.program.messages import change_message
from conference.program.models import Congress, Room, Track
from conference.program.notices import Notice, compute_notices
from conference.program.schedule_models import (
    Presentation,
    PresentationSpeaker,
    ProgramSession,
    ProgramVersion,
    SessionPerson,
    Speaker,
    english_formats,
)
from conference.progress import Progress

__all__ = [
    "build_snapshot",
    "cme_credits",
    "diff_snapshots",
    "preview_publication",
    "publish_program",
    "session_credits",
]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def build_snapshot(congress: Congress) -> dict:
    """The whole program as plain data, from a fixed number of flat queries."""
    tracks = [
        {"id": t.id, "name": t.name, "slug": t.slug, "colour": t.colour}
        for t in db.session.execute(
            select(Track.id, Track.name, Track.slug, Track.colour)
            .where(Track.congress_id == congress.id)
            .order_by(Track.position, Track.id)
        )
    ]
    rooms = [
        {"id": r.id, "name": r.name, "capacity": r.capacity}
        for r in db.session.execute(
            select(Room.id, Room.name, Room.capacity)
            .where(Room.congress_id == congress.id)
            .order_by(Room.position, Room.id)
        )
    ]
    room_order = {room["id"]: index for index, room in enumerate(rooms)}
    sessions = {}
    format_names = english_formats()
    for s in db.session.execute(
        select(
            ProgramSession.id,
            ProgramSession.guid,
            ProgramSession.title,
            ProgramSession.format,
            ProgramSession.track_id,
            ProgramSession.room_id,
            ProgramSession.starts_at,
            ProgramSession.ends_at,
            ProgramSession.description,
            ProgramSession.is_accredited,
            ProgramSession.expected_audience,
            ProgramSession.ticketed_seats,
        ).where(ProgramSession.congress_id == congress.id)
    ):
        sessions[s.id] = {
            "id": s.id,
            "guid": s.guid,
            "title": s.title,
            "format": str(s.format),
            "format_label": format_names.get(s.format, str(s.format)),
            "track_id": s.track_id,
            "room_id": s.room_id,
            "starts_at": _iso(s.starts_at),
            "ends_at": _iso(s.ends_at),
            "description": s.description,
            "is_accredited": bool(s.is_accredited),
            "expected_audience": s.expected_audience,
            "ticketed_seats": s.ticketed_seats,
            "cme_credits": session_credits(s.format, s.is_accredited, s.starts_at, s.ends_at),
            "chairs": [],
            "discussants": [],
            "presentations": [],
        }
    for session_id, speaker_id, role in db.session.execute(
        select(SessionPerson.session_id, SessionPerson.speaker_id, SessionPerson.role)
        .join(ProgramSession, ProgramSession.id == SessionPerson.session_id)
        .where(ProgramSession.congress_id == congress.id)
        .order_by(SessionPerson.position, SessionPerson.id)
    ):
        sessions[session_id]["chairs" if role == "chair" else "discussants"].append(speaker_id)
    presentations = {}
    rows = db.session.execute(
        select(
            Presentation.id,
            Presentation.guid,
            Presentation.session_id,
            Presentation.abstract_id,
            Presentation.title,
            Presentation.text,
            Presentation.type_label,
            Presentation.starts_at,
            Presentation.ends_at,
            Presentation.board_number,
            Presentation.position,
        )
        .join(ProgramSession, ProgramSession.id == Presentation.session_id)
        .where(ProgramSession.congress_id == congress.id)
        .order_by(Presentation.session_id, Presentation.position, Presentation.id)
    ).all()
    # Only abstracts accepted for presentation enter the program; when their titles and
    # texts are public is decided when they are read (published.py), never stored here.
    texts = get_program_texts(congress, [p.abstract_id for p in rows if p.abstract_id])
    for p in rows:
        is_abstract = p.abstract_id is not None
        text = texts.get(p.abstract_id)
        if is_abstract and text is None:
            continue
        item = {
            "id": p.id,
            "guid": p.guid,
            "session_id": p.session_id,
            "abstract_id": p.abstract_id,
            "number": text.number if text else None,
            "title": text.title if text else p.title,
            "type": p.type_label
            or (text.outcome.replace("_", " ").capitalize() if text else "Talk"),
            "sections": (text.sections if text else ([["", p.text]] if p.text else [])),
            "is_abstract": is_abstract,
            "starts_at": _iso(p.starts_at),
            "ends_at": _iso(p.ends_at),
            "board_number": p.board_number,
            "speakers": [],
        }
        presentations[p.id] = item
        sessions[p.session_id]["presentations"].append(item)
    for presentation_id, speaker_id in db.session.execute(
        select(PresentationSpeaker.presentation_id, PresentationSpeaker.speaker_id)
        .join(Presentation, Presentation.id == PresentationSpeaker.presentation_id)
        .join(ProgramSession, ProgramSession.id == Presentation.session_id)
        .where(ProgramSession.congress_id == congress.id)
        .order_by(PresentationSpeaker.presentation_id, PresentationSpeaker.position)
    ):
        if presentation_id in presentations:  # not one left out above
            presentations[presentation_id]["speakers"].append(speaker_id)
    speakers = {}
    for s in db.session.execute(
        select(
            Speaker.id,
            Speaker.guid,
            Speaker.name,
            Speaker.email,
            Speaker.affiliation,
            Speaker.country,
            Speaker.nothing_to_disclose,
            Speaker.disclosures,
        ).where(Speaker.congress_id == congress.id)
    ):
        speakers[s.id] = {
            "id": s.id,
            "guid": s.guid,
            "name": s.name,
            "email": s.email,
            "affiliation": s.affiliation,
            "country": s.country,
            "nothing_to_disclose": bool(s.nothing_to_disclose),
            "disclosures": list(s.disclosures or []),
        }
    # Presenting authors' disclosures come from their abstracts.
    by_email = {s["email"]: s for s in speakers.values() if s["email"]}
    for email, nothing, company, relationship in get_presenter_disclosures(congress, texts):
        speaker = by_email.get(email)
        if speaker is None:
            continue
        speaker["nothing_to_disclose"] = speaker["nothing_to_disclose"] or bool(nothing)
        entry = {"company": company, "relationship": relationship}
        if company and entry not in speaker["disclosures"]:
            speaker["disclosures"].append(entry)
    ordered = sorted(
        sessions.values(),
        key=lambda s: (s["starts_at"], room_order.get(s["room_id"], 999), s["id"]),
    )
    return {
        "congress": {
            "name": congress.name,
            "short_name": congress.short_name,
            "slug": congress.slug,
            "timezone": congress.timezone,
            "starts_on": congress.starts_on.isoformat(),
            "ends_on": congress.ends_on.isoformat(),
            "website": congress.website,
        },
        "tracks": tracks,
        "rooms": rooms,
        "speakers": speakers,
        "sessions": ordered,
    }


def _index(snapshot: dict):
    sessions = {s["id"]: s for s in snapshot.get("sessions", [])}
    presentations = {
        p["id"]: (p, s) for s in snapshot.get("sessions", []) for p in s["presentations"]
    }
    return sessions, presentations


def diff_snapshots(old: dict | None, new: dict, tz) -> tuple[list[dict], dict[int, list[str]]]:
    """Changes from `old` to `new` (kind, ids, and the plain data of their sentence, see
    program.messages), and per speaker id the changes telling them what moved."""
    zone = str(tz)
    if old is None:
        return [change({"kind": "first_version", "params": {}})], {}
    rooms = {r["id"]: r["name"] for r in new["rooms"]} | {r["id"]: r["name"] for r in old["rooms"]}
    old_sessions, old_pres = _index(old)
    new_sessions, new_pres = _index(new)

    def start(item, session):
        return item.get("starts_at") or session["starts_at"]

    changes: list[dict] = []
    for sid in new_sessions.keys() - old_sessions.keys():
        s = new_sessions[sid]
        changes.append(
            change(
                {
                    "kind": "session_added",
                    "session": sid,
                    "params": {"title": s["title"], "at": start(s, s), "tz": zone},
                }
            )
        )
    for sid in old_sessions.keys() - new_sessions.keys():
        s = old_sessions[sid]
        changes.append(
            change({"kind": "session_removed", "session": sid, "params": {"title": s["title"]}})
        )
    for sid in new_sessions.keys() & old_sessions.keys():
        a, b = old_sessions[sid], new_sessions[sid]
        params: dict = {}
        if (a["starts_at"], a["ends_at"]) != (b["starts_at"], b["ends_at"]):
            params |= {"old_at": start(a, a), "new_at": start(b, b)}
        if a["room_id"] != b["room_id"]:
            params |= {"old_room": rooms.get(a["room_id"]), "new_room": rooms.get(b["room_id"])}
        if a["title"] != b["title"]:
            params["old_title"] = a["title"]
        if params:
            params |= {"title": b["title"], "tz": zone}
            changes.append(change({"kind": "session_changed", "session": sid, "params": params}))
    affected: dict[int, list[str]] = defaultdict(list)
    for pid, (p, s) in new_pres.items():
        if pid not in old_pres:
            changes.append(
                change(
                    {
                        "kind": "presentation_added",
                        "presentation": pid,
                        "params": {"title": p["title"], "session": s["title"]},
                    }
                )
            )
            continue
        op, os_ = old_pres[pid]
        moved_time = start(op, os_) != start(p, s)
        moved_room = os_["room_id"] != s["room_id"]
        if moved_time or moved_room:
            moved = change(
                {
                    "kind": "presentation_moved",
                    "presentation": pid,
                    "params": {
                        "title": p["title"],
                        "at": start(p, s),
                        "room": rooms.get(s["room_id"]),
                        "old_at": start(op, os_),
                        "old_room": rooms.get(os_["room_id"]),
                        "session": s["title"],
                        "tz": zone,
                    },
                }
            )
            changes.append(moved)
            for speaker_id in p["speakers"]:
                affected[speaker_id].append(moved["message"])
    for pid in old_pres.keys() - new_pres.keys():
        p, s = old_pres[pid]
        changes.append(
            change(
                {
                    "kind": "presentation_removed",
                    "presentation": pid,
                    "params": {"title": p["title"]},
                }
            )
        )
    return changes, affected


def change(item: dict) -> dict:
    """A change with its sentence: in English where it is stored (older readers of the JSON
    column expect a message), in the reader's language wherever it is shown."""
    with in_language("en"):
        return {**item, "message": change_message(item)}


def latest_version(congress: Congress) -> ProgramVersion | None:
    return db.session.scalar(
        select(ProgramVersion)
        .where(ProgramVersion.congress_id == congress.id)
        .order_by(ProgramVersion.number.desc())
        .limit(1)
    )


def _check_conflicts(congress: Congress, acknowledged) -> list:
    """The conflicts of the draft; Conflict (409) while one blocks or is not acknowledged."""
    conflicts = detect_conflicts(congress)
    blocking = [c for c in conflicts if c.is_blocking]
    if blocking:
        kinds = {c.kind for c in blocking}
        reasons = []
        if "not_presentable" in kinds:
            count = sum(c.kind == "not_presentable" for c in blocking)
            reasons.append(
                ngettext(
                    "%(num)d presentation must be removed from the program before publishing: "
                    "its abstract is not accepted for presentation.",
                    "%(num)d presentations must be removed from the program before publishing: "
                    "their abstracts are not accepted for presentation.",
                    count,
                )
            )
        if "unmitigated_disclosure" in kinds:
            count = sum(c.kind == "unmitigated_disclosure" for c in blocking)
            reasons.append(
                ngettext(
                    "%(num)d faculty role of an accredited session must be cleared before "
                    "publishing: a disclosure is missing or a relevant relationship is not "
                    "mitigated.",
                    "%(num)d faculty roles of accredited sessions must be cleared before "
                    "publishing: a disclosure is missing or a relevant relationship is not "
                    "mitigated.",
                    count,
                )
            )
        raise Conflict(
            " ".join(str(reason) for reason in reasons),
            code="blocking_conflicts",
            fields={"acknowledge": [c.message for c in blocking[:50]]},
            conflicts=[c.as_dict() for c in blocking],
        )
    acknowledged = set(acknowledged or ())
    missing = [c for c in conflicts if c.key not in acknowledged]
    if missing:
        raise Conflict(
            ngettext(
                "%(num)d conflict must be fixed or acknowledged before publishing.",
                "%(num)d conflicts must be fixed or acknowledged before publishing.",
                len(missing),
            ),
            code="unacknowledged_conflicts",
            fields={"acknowledge": [c.message for c in missing[:50]]},
            conflicts=[c.as_dict() for c in missing],
        )
    return conflicts


@dataclass
class PublishPreview:
    """What publishing the draft now would publish and send; building it writes nothing."""

    number: int
    previous_number: int | None
    snapshot: dict
    changes: list[dict]
    notices: list[Notice]
    conflicts: list
    #: template -> (subject, text body) rendered for the first recipient of that template.
    samples: dict[str, tuple[str, str]] = field(default_factory=dict)
    token: str = ""

    @property
    def message_count(self) -> int:
        return len(self.notices)

    @property
    def by_template(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for notice in self.notices:
            counts[notice.template] += 1
        return dict(counts)

    @property
    def summary(self) -> str:
        return gettext(
            "Version %(number)s: %(changes)s; %(messages)s, one per person affected.",
            number=self.number,
            changes=ngettext("%(num)d change", "%(num)d changes", len(self.changes)),
            messages=ngettext("%(num)d message", "%(num)d messages", self.message_count),
        )


def _token(previous: ProgramVersion | None, snapshot: dict) -> str:
    """Changes whenever what would be published or sent changes (the draft or the base)."""
    base = {"previous": [previous.id, previous.number] if previous else None, "draft": snapshot}
    canonical = json.dumps(base, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _subject(congress: Congress, notice: Notice) -> str:
    """The subject, in the language current when it is called (the recipient's when sent)."""
    short_name = translated(congress, "congress", congress.id, "short_name", congress.short_name)
    if notice.template == notices_module.PLACED_TEMPLATE:
        return gettext("%(congress)s: your place in the program", congress=short_name)
    return gettext("%(congress)s: changes to your part in the program", congress=short_name)


def _notice_languages(congress: Congress, notices: list[Notice]) -> dict[str, str | None]:
    """The language each person chose: on their account, else on their registration."""
    from conference.accounts.queries import get_confirmed_user_by_email
    from conference.registration.queries import get_active_registrations_by_email

    registrations = get_active_registrations_by_email(congress, [n.email for n in notices])
    languages: dict[str, str | None] = {}
    for notice in notices:
        user = get_confirmed_user_by_email(notice.email)
        registration = registrations.get(notice.email)
        languages[notice.email] = (user.language if user is not None else None) or (
            registration.language if registration is not None else None
        )
    return languages


def _mail_context(congress: Congress, notice: Notice, number: int) -> dict:
    return {
        "name": notice.name,
        "congress": congress,
        "version": number,
        "placed": notice.placed,
        "moved": notice.moved,
        "removed": notice.removed,
        "sessions_moved": notice.sessions_moved,
    }


def _stored_conflicts(conflicts) -> list[dict]:
    """Acknowledged conflicts as stored with a version: their English sentence and the data
    to write it in any reader's language (program.messages.localized_conflict)."""
    with in_language("en"):
        return [{**c.as_dict(), "params": c.params} for c in conflicts]


def _plan(congress: Congress, acknowledged) -> PublishPreview:
    conflicts = _check_conflicts(congress, acknowledged)
    previous = latest_version(congress)
    snapshot = build_snapshot(congress)
    old = previous.snapshot if previous else None
    changes, _ = diff_snapshots(old, snapshot, congress.tz)
    return PublishPreview(
        number=(previous.number + 1) if previous else 1,
        previous_number=previous.number if previous else None,
        snapshot=snapshot,
        changes=changes,
        notices=compute_notices(old, snapshot, congress.tz),
        conflicts=conflicts,
        token=_token(previous, snapshot),
    )


def preview_publication(congress: Congress, acknowledged=()) -> PublishPreview:
    """What publishing now would change and send, one rendered sample per email template.

    Queues nothing and writes nothing; refused (409) like publishing while a conflict blocks
    or is not acknowledged. Its `token` confirms exactly this preview.
    """
    preview = _plan(congress, acknowledged)
    base_url = current_app.config["BASE_URL"].rstrip("/")
    for notice in preview.notices:
        if notice.template in preview.samples:
            continue
        text = render_template(
            f"emails/{notice.template}.txt",
            base_url=base_url,
            **_mail_context(congress, notice, preview.number),
        )
        preview.samples[notice.template] = (_subject(congress, notice), text)
    return preview


def publish_program(
    congress: Congress,
    user=None,
    acknowledged=(),
    *,
    preview_token: str | None = None,
    progress: Progress | None = None,
) -> ProgramVersion:
    """Publish a new version and tell everyone whose part changed, one message each.

    `progress(done, total)` hears of each export built for the new version; the program
    book is queued for the background worker (conference.program.book), not built here.

    Refused (409) while a conflict is not acknowledged. With `preview_token` (from
    `preview_publication`), refused with code "publish_changed" when the draft or the latest
    version changed since that preview: nothing is published or sent.
    """
    plan = _plan(congress, acknowledged)
    if preview_token is not None and preview_token != plan.token:
        raise Conflict(
            gettext(
                "The program changed since the preview, so nothing was published. Check the "
                "new preview and confirm again."
            ),
            code="publish_changed",
        )
    snapshot = plan.snapshot
    version = ProgramVersion(
        congress_id=congress.id,
        number=plan.number,
        published_at=utcnow(),
        published_by_id=getattr(user, "id", None),
        snapshot=snapshot,
        changes=plan.changes,
        acknowledged=_stored_conflicts(plan.conflicts),
    )
    try:
        with db.session.begin_nested():
            db.session.add(version)
    except IntegrityError:
        raise Conflict(
            gettext("Another version was published at the same moment: reload and publish again."),
            code="version_taken",
        ) from None
    # Rendered once here, in the same transaction, and shared by every worker; the PDF book
    # takes longer, so the background worker builds it (queued with the version).
    embargo = current_embargo(congress)
    window = build_version_exports(version, embargo, progress=progress)
    queue_book_build(congress.id, version.id, embargo.fingerprint, window, version.published_at)
    languages = _notice_languages(congress, plan.notices)
    for notice in plan.notices:
        recipient = hashlib.sha256(notice.email.encode()).hexdigest()[:20]
        language = languages.get(notice.email)
        with in_language(language):
            subject = _subject(congress, notice)
        queued = queue_mail(
            notice.email,
            subject,
            notice.template,
            dedupe_key=f"program-publish:{congress.id}:{version.number}:{recipient}",
            language=language,
            **_mail_context(congress, notice, version.number),
        )
        version.messages_queued += queued is not None
    return version
