"""Congress-wide texts: the terms, cancellation and privacy policies (Markdown source).

The congress itself still lives in conference.program.models (it moves here when a second
congress arrives); policies are the first part of the congresses domain.
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from conference.models import Base, TimestampMixin


class PolicyKind(enum.StrEnum):
    """Which policy a text is; each has its public page (/terms, /cancellation, /privacy)."""

    TERMS = "terms"
    CANCELLATION = "cancellation"
    PRIVACY = "privacy"

    @property
    def label(self) -> str:
        return {
            "terms": _l("Terms and conditions"),
            "cancellation": _l("Cancellation policy"),
            "privacy": _l("Privacy policy"),
        }[self.value]

    @property
    def endpoint(self) -> str:
        """The public page of this policy."""
        return f"congresses.{self.value}"


class Policy(TimestampMixin, Base):
    """One published policy text of a congress (no row: not published yet)."""

    __tablename__ = "congress_policies"
    __table_args__ = (
        UniqueConstraint("congress_id", "kind"),
        CheckConstraint(
            "kind IN ({})".format(", ".join(repr(kind.value) for kind in PolicyKind)),
            name="kind_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    #: Markdown source as the organizer typed it; rendered and sanitized when shown.
    body_markdown: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def policy_kind(self) -> PolicyKind:
        return PolicyKind(self.kind)

    def can_edit(self, user) -> bool:
        return bool(getattr(user, "is_authenticated", False) and user.is_organizer)

    def __repr__(self) -> str:
        return f"<Policy {self.congress_id} {self.kind}>"
