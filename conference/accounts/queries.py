"""Reads of accounts for pages and the API."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select

from conference.accounts.models import Role, User, UserRole
from conference.extensions import db


def holds_role(role: Role | str, congress_id: int | None, *, or_admin: bool = False):
    """A clause on User: holds `role` in the congress (administrators too with `or_admin`)."""
    roles = [Role(role)] + ([Role.ADMIN] if or_admin else [])
    in_congress = UserRole.congress_id.is_(None) | (UserRole.congress_id == congress_id)
    return User.roles.any(UserRole.role.in_(roles) & in_congress)


def users_with_role(role: Role | str, congress_id: int | None, *, or_admin: bool = False):
    """Users holding `role` in a congress, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(holds_role(role, congress_id, or_admin=or_admin))
            .order_by(User.name, User.id)
        )
    )


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
        from conference.congresses.context import current_congress_id

        query = query.where(holds_role(role, current_congress_id()))
    return query


def get_confirmed_user_by_email(email: str) -> User | None:
    """The account that owns `email`, only once it has proved it by confirming the address.

    Other domains link people to accounts through this: an unconfirmed sign-up under someone
    else's address must not lend its chosen name and affiliation to that person.
    """
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    return user if user is not None and user.is_confirmed else None
