"""Attendees' personal agendas: starred sessions and a private calendar feed."""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from conference.errors import NotFound
from conference.extensions import db
from conference.program.queries import is_id
from conference.program.schedule_models import AgendaFeed, AgendaItem, ProgramSession


def star_session(user, session_id: int) -> None:
    if not is_id(session_id) or db.session.get(ProgramSession, session_id) is None:
        raise NotFound(_("This session is no longer in the program."))
    exists = db.session.scalar(
        select(AgendaItem.id).where(
            AgendaItem.user_id == user.id, AgendaItem.session_id == session_id
        )
    )
    if not exists:
        try:
            with db.session.begin_nested():  # a double click may race with itself
                db.session.add(AgendaItem(user_id=user.id, session_id=session_id))
        except IntegrityError:
            pass


def unstar_session(user, session_id: int) -> None:
    db.session.execute(
        delete(AgendaItem).where(AgendaItem.user_id == user.id, AgendaItem.session_id == session_id)
    )
    db.session.flush()


def ensure_feed_token(user) -> str:
    feed = db.session.scalar(select(AgendaFeed).where(AgendaFeed.user_id == user.id))
    if feed is None:
        feed = AgendaFeed(user_id=user.id, token=secrets.token_urlsafe(32))
        db.session.add(feed)
        db.session.flush()
    return feed.token


def reset_feed_token(user) -> str:
    db.session.execute(delete(AgendaFeed).where(AgendaFeed.user_id == user.id))
    db.session.flush()
    return ensure_feed_token(user)


def user_for_feed_token(token: str):
    from conference.accounts.models import User

    feed = db.session.scalar(select(AgendaFeed).where(AgendaFeed.token == token))
    return db.session.get(User, feed.user_id) if feed else None


def congress_id_of_feed(token: str) -> int | None:
    """The congress an old agenda feed was for: the one holding most of its owner's stars."""
    from sqlalchemy import func

    from conference.program.schedule_models import ProgramSession

    feed = db.session.scalar(select(AgendaFeed).where(AgendaFeed.token == token))
    if feed is None:
        return None
    return db.session.scalar(
        select(ProgramSession.congress_id)
        .join(AgendaItem, AgendaItem.session_id == ProgramSession.id)
        .where(AgendaItem.user_id == feed.user_id)
        .group_by(ProgramSession.congress_id)
        .order_by(func.count().desc(), ProgramSession.congress_id.desc())
        .limit(1)
    )


def congress_id_of_session(session_id: int) -> int | None:
    from conference.program.schedule_models import ProgramSession

    return db.session.scalar(
        select(ProgramSession.congress_id).where(ProgramSession.id == session_id)
    )


def congress_id_of_speaker(speaker_id: int) -> int | None:
    from conference.program.schedule_models import Speaker

    return db.session.scalar(select(Speaker.congress_id).where(Speaker.id == speaker_id))
