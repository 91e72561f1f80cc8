"""API resources of bulk mailings (organizers): preview (dry_run), send, sent campaigns."""

from __future__ import annotations

from flask import jsonify
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from conference.api.auth import bearer_user, organizer_token_required
from conference.api.schemas import Translations
from conference.content import services as content
from conference.errors import Conflict
from conference.extensions import db
from conference.mailings import services
from conference.mailings.models import MailingGroup
from conference.mailings.queries import get_campaign, get_campaign_recipients, get_campaigns
from conference.program.queries import get_current_congress
from conference.registration.models import RegistrationStatus

blp = Blueprint("api_mailings", __name__, url_prefix="/api/v1", description="Mailings")
SECURITY = [{"bearerAuth": []}]
PLACEHOLDER_HELP = " ".join(
    "{" + name + "}: " + text + "." for name, text in services.PLACEHOLDERS.items()
)


class MailingInSchema(Schema):
    group = fields.String(required=True, validate=validate.OneOf([g.value for g in MailingGroup]))
    category = fields.String(
        load_default="",
        metadata={"description": "Category slug (group `attendees` only); empty: every one."},
    )
    status = fields.String(
        load_default="",
        validate=validate.OneOf([""] + [s.value for s in RegistrationStatus]),
        metadata={
            "description": "Registration status (group `attendees` only); empty: registered "
            "(awaiting verification, awaiting payment, confirmed)."
        },
    )
    subject = fields.String(
        required=True,
        validate=validate.Length(max=300),
        metadata={"description": "Placeholders as in the body, except {manage_link}."},
    )
    body = fields.String(
        required=True,
        validate=validate.Length(max=services.MAX_BODY),
        metadata={"description": "Placeholders: " + PLACEHOLDER_HELP},
    )
    translations = Translations("mailing", ("subject", "body"), load_default=dict)
    dry_run = fields.Boolean(
        load_default=False, metadata={"description": "Return the preview; queue nothing."}
    )
    preview_token = fields.String(
        load_default=None,
        validate=validate.Length(max=100),
        metadata={
            "description": "Required to send: the `preview_token` of a dry run with the same "
            "values. 409 (code mailing_changed, with the new preview) when the recipients or "
            "the text changed since; the same token sent twice queues nothing more."
        },
    )


class RecipientOut(Schema):
    name = fields.String()
    email = fields.String()
    reference = fields.String(metadata={"description": "Empty when not registered."})


class MailingPreviewOut(Schema):
    group = fields.String()
    filters = fields.Dict(keys=fields.String(), values=fields.String())
    recipient_count = fields.Integer()
    recipients = fields.List(
        fields.Nested(RecipientOut), metadata={"description": "The first 20 recipients."}
    )
    sample_subject = fields.String(allow_none=True)
    sample_text = fields.String(
        allow_none=True, metadata={"description": "Rendered for the first recipient; no link."}
    )
    samples_by_language = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.String()),
        metadata={
            "description": "Per language the text is given in: the first recipient's "
            "message as a reader of that language gets it (name, subject, text)."
        },
    )
    preview_token = fields.String()


class CampaignOut(Schema):
    id = fields.Integer()
    subject = fields.String()
    body = fields.String()
    group = fields.String()
    filters = fields.Dict(keys=fields.String(), values=fields.String())
    sent_at = fields.String(metadata={"format": "date-time"})
    recipient_count = fields.Integer()
    translations = Translations("mailing", ("subject", "body"))
    delivery = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Messages by outbox status: queued, sending, sent, failed."},
    )


class CampaignRecipientOut(Schema):
    name = fields.String()
    email = fields.String()
    status = fields.String(metadata={"description": "Outbox status of their message."})
    sent_at = fields.String(allow_none=True, metadata={"format": "date-time"})


class SentOut(CampaignOut):
    queued = fields.Integer(metadata={"description": "Messages queued by this request."})
    already_sent = fields.Boolean(
        metadata={"description": "This preview was sent before: nothing was queued again."}
    )


class MailingOkOut(SentOut):
    """200: a dry run (`dry_run`, `preview`), or a preview_token sent before (`already_sent`:
    that mailing, nothing queued again)."""

    dry_run = fields.Boolean()
    preview = fields.Nested(MailingPreviewOut)


class CampaignDetailOut(CampaignOut):
    recipients = fields.List(fields.Nested(CampaignRecipientOut))


class CampaignListOut(Schema):
    mailings = fields.List(fields.Nested(CampaignOut))


def _congress():
    congress = get_current_congress()
    if congress is None:
        abort(404, message="No congress is set up yet.")
    return congress


def preview_json(preview: services.MailingPreview) -> dict:
    return {
        "group": str(preview.request.group),
        "filters": preview.request.filters,
        "recipient_count": preview.count,
        "recipients": [
            {"name": r.name, "email": r.email, "reference": r.reference}
            for r in preview.recipient_sample
        ],
        "sample_subject": preview.sample[0] if preview.sample else None,
        "sample_text": preview.sample[1] if preview.sample else None,
        "samples_by_language": preview.samples_by_language,
        "preview_token": preview.token,
    }


def campaign_json(campaign, delivery: dict[str, int]) -> dict:
    return {
        "id": campaign.id,
        "subject": campaign.subject,
        "body": campaign.body,
        "group": str(campaign.audience),
        "filters": {k: str(v or "") for k, v in (campaign.filters or {}).items()},
        "sent_at": campaign.sent_at.isoformat(),
        "recipient_count": campaign.recipient_count,
        "translations": content.translations_of(_congress(), "mailing", campaign.id),
        "delivery": delivery,
    }


def _delivery(recipients: list[dict]) -> dict[str, int]:
    counts = {"queued": 0, "sending": 0, "sent": 0, "failed": 0}
    for r in recipients:
        if r["status"] in counts:
            counts[r["status"]] += 1
    return counts


@blp.route("/mailings", methods=["POST"])
@organizer_token_required
@blp.arguments(MailingInSchema, location="json")
@blp.doc(security=SECURITY)
@blp.alt_response(
    200,
    schema=MailingOkOut,
    description="dry_run: who and what would be sent (`dry_run`, `preview`); or, for a "
    "preview_token sent before, that mailing with `already_sent` (nothing queued again).",
)
@blp.alt_response(201, schema=SentOut, description="Queued: one message per recipient.")
def send(payload):
    """Email a group, one message per recipient; `dry_run` only previews.

    Sending needs the `preview_token` of a dry run with the same values: 409 (code
    mailing_changed) with the new preview when the recipients or the text changed since.
    """
    congress = _congress()
    mailing = services.parse_mailing(
        congress,
        group=payload["group"],
        subject=payload["subject"],
        body=payload["body"],
        category=payload["category"],
        status=payload["status"],
        translations=payload["translations"],
    )
    if payload["dry_run"]:
        preview = services.preview_mailing(congress, mailing)
        body = {"dry_run": True, "preview": preview_json(preview)}
        db.session.rollback()  # a preview writes nothing
        return jsonify(body), 200
    try:
        result = services.send_mailing(
            congress, mailing, payload["preview_token"] or "", bearer_user()
        )
    except Conflict as exc:
        db.session.rollback()
        preview = preview_json(services.preview_mailing(congress, mailing))
        db.session.rollback()
        raise Conflict(exc.message, code=exc.code, preview=preview) from None
    db.session.commit()
    recipients = get_campaign_recipients(result.campaign)
    body = campaign_json(result.campaign, _delivery(recipients))
    body |= {"queued": result.queued, "already_sent": result.already_sent, "dry_run": False}
    return jsonify(body), (200 if result.already_sent else 201)


@blp.route("/mailings", methods=["GET"])
@organizer_token_required
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=CampaignListOut, description="Sent mailings, newest first.")
def list_mailings():
    """Sent mailings with their messages counted by delivery state (from the outbox)."""
    campaigns = get_campaigns(_congress())
    return jsonify({"mailings": [campaign_json(c, counts) for c, counts in campaigns]})


@blp.route("/mailings/<int:campaign_id>", methods=["GET"])
@organizer_token_required
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=CampaignDetailOut, description="One mailing and its recipients.")
def get_mailing(campaign_id: int):
    """One sent mailing with each recipient's delivery state."""
    campaign = get_campaign(_congress(), campaign_id)
    if campaign is None:
        abort(404, message="No such mailing.")
    recipients = get_campaign_recipients(campaign)
    body = campaign_json(campaign, _delivery(recipients))
    body["recipients"] = [
        {
            "name": r["name"],
            "email": r["email"],
            "status": r["status"],
            "sent_at": r["sent_at"].isoformat() if r["sent_at"] else None,
        }
        for r in recipients
    ]
    return jsonify(body)
