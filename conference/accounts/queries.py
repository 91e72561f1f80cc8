"""Reads of accounts for pages and the API."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select

from conference.accounts.models import Role, User, UserRole
from conference.extensions import db


def users_query(text: str = "", role: str = "") -> Select:
    """Users by name, matching `text` in name, email or affiliation and holding `role` if given
    (an unknown role is ignored)."""
    query = select(User).order_by(User.name, User.id)
    if text:
        like = f"%{text.lower()}%"
        query = query.where(
            or_(
                func.lower(User.name).like(like),
                User.email.like(like),
                func.lower(User.affiliation).like(like),
            )
        )
    if role in {r.value for r in Role}:
        query = query.where(User.roles.any(UserRole.role == role))
    return query


def get_confirmed_user_by_email(email: str) -> User | None:
    """The account that owns `email`, only once it has proved it by confirming the address.

    Other domains link people to accounts through this: an unconfirmed sign-up under someone
    else's address must not lend its chosen name and affiliation to that person.
    """
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    return user if user is not None and user.is_confirmed else None
