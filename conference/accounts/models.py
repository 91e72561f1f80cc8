"""Users, their roles, and API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.models import Base, TimestampMixin, utcnow


class Role(enum.StrEnum):
    """What a user may do beyond attending. Everyone is an attendee."""

    REVIEWER = "reviewer"
    ORGANIZER = "organizer"
    ADMIN = "admin"
    #: Reviews CME disclosures: relevance of each relationship and how it was mitigated.
    CME_OFFICER = "cme_officer"


ROLE_LABELS = {
    Role.REVIEWER: _l("Reviewer"),
    Role.ORGANIZER: _l("Organizer"),
    Role.ADMIN: _l("Administrator"),
    Role.CME_OFFICER: _l("CME officer"),
}


class User(UserMixin, TimestampMixin, Base):
    """A person with an account: author, attendee, reviewer or organizer."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Always stored lower-cased, so uniqueness is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    #: Academic or professional title: Dr, Prof, ...
    title: Mapped[str] = mapped_column(String(40), default="")
    affiliation: Mapped[str] = mapped_column(String(300), default="")
    #: ISO 3166-1 alpha-2.
    country: Mapped[str] = mapped_column(String(2), default="")
    email_confirmed_at: Mapped[datetime | None]
    is_active_account: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    #: Changes whenever the password does or the account is disabled: old reset links,
    #: sessions and API tokens stop working.
    security_stamp: Mapped[str] = mapped_column(String(32), default="")
    #: Goes up at every logout: sessions and remember-me cookies issued before stop working.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Interface and email language (conference.i18n.LANGUAGES); None: follow the browser.
    language: Mapped[str | None] = mapped_column(String(8))

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    api_tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.is_active_account

    def get_id(self) -> str:
        """What the session and the remember-me cookie carry (see `is_session_id_current`)."""
        return f"{self.id}:{self.security_stamp}:{self.session_generation}"

    def is_session_id_current(self, session_id: str) -> bool:
        """True while no password change, disabling or logout happened since it was issued."""
        return self.is_active_account and session_id == self.get_id()

    @property
    def role_names(self) -> set[Role]:
        """The roles held in the current congress, and the global ones (administrator)."""
        from conference.congresses.context import current_congress_id

        return self.roles_in(current_congress_id())

    def roles_in(self, congress_id: int | None) -> set[Role]:
        """Roles in one congress (a role of another congress is nothing here), and global ones."""
        return {
            Role(item.role)
            for item in self.roles
            if item.congress_id is None or item.congress_id == congress_id
        }

    @property
    def is_admin(self) -> bool:
        """Global administrator: creates congresses and holds every role in each."""
        return any(Role(item.role) == Role.ADMIN for item in self.roles)

    def has_role(self, role: Role | str) -> bool:
        """Admins hold every role; organizers also act as reviewers where asked."""
        names = self.role_names
        role = Role(role)
        if Role.ADMIN in names:
            return True
        return role in names

    @property
    def is_organizer(self) -> bool:
        return self.has_role(Role.ORGANIZER)

    @property
    def is_reviewer(self) -> bool:
        return Role.REVIEWER in self.role_names

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def display_name(self) -> str:
        return f"{self.title} {self.name}".strip()

    def can_manage_roles(self, actor: User) -> bool:
        return actor.is_organizer

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(Base):
    """One role held by one user in one congress (administrator: in all, congress_id NULL)."""

    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "congress_id"),
        CheckConstraint(
            "(role = 'admin') = (congress_id IS NULL)", name="admin_global_others_per_congress"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(String(20))
    congress_id: Mapped[int | None] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True
    )
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")

    def __repr__(self) -> str:
        return f"<UserRole {self.user_id} {self.role}>"


class ApiToken(Base):
    """A bearer token for the API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    #: The user's security stamp when the token was issued: a password change or reset, or
    #: disabling the account, changes the stamp and so invalidates the token.
    security_stamp: Mapped[str] = mapped_column(String(32), default="", server_default="")

    user: Mapped[User] = relationship(back_populates="api_tokens")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} user={self.user_id}>"
