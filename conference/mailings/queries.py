"""Reads of bulk mailings: sent campaigns and the delivery state of each message."""

from __future__ import annotations

from sqlalchemy import func, select

from conference.extensions import db
from conference.mail import OutboxMessage, OutboxStatus
from conference.mailings.models import MailingCampaign, MailingRecipient
from conference.program.models import Congress
from conference.program.queries import is_id


def get_campaigns(congress: Congress) -> list[tuple[MailingCampaign, dict[str, int]]]:
    """Every campaign of `congress`, newest first, with its messages counted by status."""
    campaigns = list(
        db.session.scalars(
            select(MailingCampaign)
            .where(MailingCampaign.congress_id == congress.id)
            .order_by(MailingCampaign.sent_at.desc(), MailingCampaign.id.desc())
        )
    )
    counts: dict[int, dict[str, int]] = {
        c.id: {s.value: 0 for s in OutboxStatus} for c in campaigns
    }
    if campaigns:
        rows = db.session.execute(
            select(MailingRecipient.campaign_id, OutboxMessage.status, func.count())
            .join(OutboxMessage, OutboxMessage.id == MailingRecipient.outbox_message_id)
            .where(MailingRecipient.campaign_id.in_([c.id for c in campaigns]))
            .group_by(MailingRecipient.campaign_id, OutboxMessage.status)
        )
        for campaign_id, status, count in rows:
            counts[campaign_id][str(status)] = count
    return [(c, counts[c.id]) for c in campaigns]


def get_campaign(congress: Congress, campaign_id) -> MailingCampaign | None:
    if not is_id(campaign_id):
        return None
    return db.session.scalar(
        select(MailingCampaign).where(
            MailingCampaign.id == campaign_id, MailingCampaign.congress_id == congress.id
        )
    )


def get_campaign_recipients(campaign: MailingCampaign) -> list[dict]:
    """Each recipient with the delivery state of their message (from the outbox)."""
    rows = db.session.execute(
        select(
            MailingRecipient.name,
            MailingRecipient.email,
            MailingRecipient.outbox_message_id,
            OutboxMessage.status,
            OutboxMessage.sent_at,
            OutboxMessage.last_error,
        )
        .outerjoin(OutboxMessage, OutboxMessage.id == MailingRecipient.outbox_message_id)
        .where(MailingRecipient.campaign_id == campaign.id)
        .order_by(MailingRecipient.id)
    )
    return [
        {
            "name": r.name,
            "email": r.email,
            "message_id": r.outbox_message_id,
            "status": str(r.status) if r.status else "unknown",
            "sent_at": r.sent_at,
            "last_error": r.last_error,
        }
        for r in rows
    ]
