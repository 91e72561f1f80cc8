"""Professional categories of attendees (fees and registrations build on them)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.models import Base
from conference.program.models import Congress


class ProfessionalCategory(Base):
    """Who registers: oncologist, student, industry, ...; each with its own fee and rules."""

    __tablename__ = "professional_categories"
    __table_args__ = (
        UniqueConstraint("congress_id", "slug"),
        UniqueConstraint("congress_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    #: An organizer checks a document before the category's fee is confirmed.
    requires_proof: Mapped[bool] = mapped_column(default=False)
    #: What proof is asked for (shown to the registrant).
    proof_hint: Mapped[str] = mapped_column(String(300), default="")
    #: Healthcare professional who may prescribe: printed on the badge for exhibitors.
    is_prescriber: Mapped[bool] = mapped_column(default=False)
    is_cme_eligible: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    congress: Mapped[Congress] = relationship()

    def __repr__(self) -> str:
        return f"<ProfessionalCategory {self.slug}>"
