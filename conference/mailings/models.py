"""Bulk mailings: an organizer's message to a group, and who it was queued for."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.models import Base, utcnow


class MailingGroup(enum.StrEnum):
    ATTENDEES = "attendees"
    PRESENTING_AUTHORS = "presenting_authors"
    REVIEWERS = "reviewers"
    CHAIRS = "chairs"
    WAITLISTED = "waitlisted"


GROUP_LABELS = {
    MailingGroup.ATTENDEES: _l("Registered attendees (by category or status)"),
    MailingGroup.PRESENTING_AUTHORS: _l("Presenting authors of accepted abstracts"),
    MailingGroup.REVIEWERS: _l("Reviewers"),
    MailingGroup.CHAIRS: _l("Session chairs"),
    MailingGroup.WAITLISTED: _l("Waiting list"),
}


class MailingCampaign(Base):
    """One bulk email as sent: its text, the group it went to, and when."""

    __tablename__ = "mailing_campaigns"
    __table_args__ = (
        CheckConstraint(
            "audience IN ('attendees', 'presenting_authors', 'reviewers', 'chairs', 'waitlisted')",
            name="audience_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    audience: Mapped[MailingGroup] = mapped_column(String(30))
    #: The group's filters as chosen: {"category": slug or "", "status": status or ""}.
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The confirmed preview's token: a second submit of the same preview sends nothing more.
    preview_token: Mapped[str] = mapped_column(String(100), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipient_count: Mapped[int] = mapped_column(default=0)

    recipients: Mapped[list[MailingRecipient]] = relationship(
        back_populates="campaign",
        order_by="MailingRecipient.id",
        cascade="all, delete-orphan",
    )

    @property
    def audience_label(self) -> str:
        return GROUP_LABELS.get(MailingGroup(self.audience), str(self.audience))

    def __repr__(self) -> str:
        return f"<MailingCampaign {self.id} {self.audience} {self.subject!r}>"


class MailingRecipient(Base):
    """One recipient of a campaign; delivery state is read from its outbox message."""

    __tablename__ = "mailing_recipients"
    __table_args__ = (UniqueConstraint("campaign_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("mailing_campaigns.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    #: Lower-cased.
    email: Mapped[str] = mapped_column(String(254))
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )

    campaign: Mapped[MailingCampaign] = relationship(back_populates="recipients")

    def __repr__(self) -> str:
        return f"<MailingRecipient {self.campaign_id} {self.email}>"
