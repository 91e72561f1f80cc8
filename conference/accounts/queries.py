"""Reads of accounts for pages and the API."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select

from conference.accounts.models import Role, User, UserRole


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
