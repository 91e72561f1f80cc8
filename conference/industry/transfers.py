"""Transfers of value: what a company paid for a healthcare professional (registration,
travel, accommodation), recorded with payer and amount and exported per company for the
transparency reports companies file (EFPIA disclosure code, Sunshine Act)."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from conference.countries import check_country
from conference.errors import FieldErrors, NotFound
from conference.extensions import db
from conference.industry.models import Sponsor, TransferKind, TransferOfValue
from conference.models import utcnow
from conference.program.models import Congress
from conference.registration.services import parse_amount
from conference.spreadsheet import safe_row

KIND_LABELS = {
    TransferKind.REGISTRATION: _l("Registration"),
    TransferKind.TRAVEL: _l("Travel"),
    TransferKind.ACCOMMODATION: _l("Accommodation"),
    TransferKind.OTHER: _l("Other"),
}


def record_transfer(congress: Congress, data: dict, *, by=None) -> TransferOfValue:
    """Record one transfer of value (payer: a sponsor of this congress)."""
    errors = FieldErrors()
    sponsor = None
    if data.get("sponsor_id"):
        sponsor = db.session.scalar(
            select(Sponsor).where(
                Sponsor.congress_id == congress.id, Sponsor.id == data.get("sponsor_id")
            )
        )
    if sponsor is None:
        errors.add("sponsor_id", _("Choose a sponsor from the list."))
    name = (data.get("recipient_name") or "").strip()
    if not name:
        errors.add("recipient_name", _("Enter the healthcare professional's name."))
    elif len(name) > 200:
        errors.add("recipient_name", _("At most %(count)d characters.", count=200))
    email = (data.get("recipient_email") or "").strip()[:254]
    country = (data.get("recipient_country") or "").strip().upper()
    if country and (problem := check_country(country)):
        errors.add("recipient_country", problem)
    kind = data.get("kind")
    if kind not in set(TransferKind):
        errors.add("kind", _("Choose registration, travel, accommodation or other."))
    amount = parse_amount(data.get("amount"), "amount", errors)
    if amount is None and "amount" not in errors.fields:
        errors.add("amount", _("Enter the amount paid."))
    paid_on = data.get("paid_on")
    if isinstance(paid_on, str):
        try:
            paid_on = date.fromisoformat(paid_on.strip())
        except ValueError:
            paid_on = None
    if not isinstance(paid_on, date):
        errors.add("paid_on", _("Enter the date paid (YYYY-MM-DD)."))
    errors.raise_if_any()
    transfer = TransferOfValue(
        congress_id=congress.id,
        sponsor_id=sponsor.id,
        recipient_name=name,
        recipient_email=email,
        recipient_country=country,
        registration_reference=(data.get("registration_reference") or "").strip()[:24],
        kind=str(TransferKind(kind)),
        amount=amount,
        currency=congress.currency,
        paid_on=paid_on,
        note=(data.get("note") or "").strip()[:300],
        recorded_at=utcnow(),
        recorded_by_id=getattr(by, "id", None),
    )
    db.session.add(transfer)
    db.session.flush()
    return transfer


def delete_transfer(congress: Congress, transfer_id: int) -> None:
    transfer = db.session.scalar(
        select(TransferOfValue).where(
            TransferOfValue.congress_id == congress.id, TransferOfValue.id == transfer_id
        )
    )
    if transfer is None:
        raise NotFound(_("No such transfer of value."))
    db.session.delete(transfer)
    db.session.flush()


def get_transfers(congress: Congress, sponsor_id: int | None = None) -> list[TransferOfValue]:
    query = (
        select(TransferOfValue)
        .where(TransferOfValue.congress_id == congress.id)
        .options(selectinload(TransferOfValue.sponsor))
        .order_by(TransferOfValue.paid_on, TransferOfValue.id)
    )
    if sponsor_id is not None:
        query = query.where(TransferOfValue.sponsor_id == sponsor_id)
    return list(db.session.scalars(query))


def transfers_csv(transfers: list[TransferOfValue]) -> str:
    """One row per transfer: payer, recipient, kind, amount, currency, date."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "payer",
            "payer_legal_name",
            "recipient",
            "recipient_email",
            "recipient_country",
            "registration",
            "kind",
            "amount",
            "currency",
            "paid_on",
            "note",
        ]
    )
    for t in transfers:
        writer.writerow(
            safe_row(
                [
                    t.sponsor.name,
                    t.sponsor.legal_name or t.sponsor.name,
                    t.recipient_name,
                    t.recipient_email,
                    t.recipient_country,
                    t.registration_reference,
                    t.kind,
                    str(t.amount),
                    t.currency,
                    t.paid_on.isoformat(),
                    t.note,
                ]
            )
        )
    return "\ufeff" + out.getvalue()
