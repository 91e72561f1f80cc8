"""API resources of the money domain: the seller profile, invoices and credit notes (organizers).

Handlers are thin: they call conference.money services and queries, like the organizer pages.
"""

from __future__ import annotations

import logging

from flask import Response, request
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from conference.api import responses
from conference.api.auth import bearer_user, organizer_token_required
from conference.api.schemas import CongressDateTime, Integer
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.money import card, services
from conference.money import vouchers as voucher_services
from conference.money.exports import invoices_csv, vouchers_csv
from conference.money.models import DocumentKind, VoucherKind
from conference.money.providers import WebhookRejected
from conference.money.queries import (
    InvoiceFilters,
    get_invoice_by_number,
    get_rows,
    get_seller_profile,
    invoices_query,
    vouchers_query,
)
from conference.program.queries import get_current_congress

log = logging.getLogger(__name__)

blp = Blueprint("api_money", __name__, url_prefix="/api/v1", description="Money")

SECURITY = [{"bearerAuth": []}]


def _congress():
    congress = get_current_congress()
    if congress is None:
        abort(404, message="No congress is set up yet.")
    return congress


# -- seller profile -----------------------------------------------------------------------------


class SellerSchema(Schema):
    legal_name = fields.String(validate=validate.Length(max=200))
    address = fields.String(validate=validate.Length(max=1000))
    country = fields.String(validate=validate.Length(max=2))
    vat_id = fields.String(validate=validate.Length(max=30))
    registration_number = fields.String(validate=validate.Length(max=60))
    account_holder = fields.String(validate=validate.Length(max=200))
    iban = fields.String(validate=validate.Length(max=50))
    bic = fields.String(validate=validate.Length(max=15))
    bank_name = fields.String(validate=validate.Length(max=200))
    payment_terms_days = Integer(validate=validate.Range(min=0, max=365))
    prices_include_vat = fields.Boolean()
    vat_rate_registration = fields.Decimal(as_string=True, places=2)
    vat_rate_abstract_fee = fields.Decimal(as_string=True, places=2)
    vat_rate_sponsorship = fields.Decimal(as_string=True, places=2)
    invoice_series = fields.String(validate=validate.Length(max=20))


class SellerOut(SellerSchema):
    vat_rate_registration = fields.String()
    vat_rate_abstract_fee = fields.String()
    vat_rate_sponsorship = fields.String()
    is_complete = fields.Boolean()
    currency = fields.String()


SELLER_FIELDS = tuple(SellerSchema().fields)


def _seller_json(congress, profile) -> dict:
    if profile is None:
        return {"is_complete": False, "currency": congress.currency}
    data = {name: getattr(profile, name) for name in SELLER_FIELDS}
    for name in ("vat_rate_registration", "vat_rate_abstract_fee", "vat_rate_sponsorship"):
        data[name] = str(data[name])
    return {**data, "is_complete": profile.is_complete, "currency": congress.currency}


@blp.route("/money/seller", methods=["GET"])
@organizer_token_required
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=SellerOut, description="The seller profile of the congress.")
def get_seller():
    """The organizer's legal entity, bank details and VAT settings."""
    congress = _congress()
    return _seller_json(congress, get_seller_profile(congress))


@blp.route("/money/seller", methods=["PUT"])
@organizer_token_required
@blp.arguments(SellerSchema)
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=SellerOut, description="The seller profile as saved.")
def put_seller(payload):
    """Save the seller profile; IBAN, BIC and VAT id are checked (format and check digits)."""
    congress = _congress()
    profile = services.update_seller_profile(congress, **payload)
    db.session.commit()
    return _seller_json(congress, profile)


# -- invoices -----------------------------------------------------------------------------------


class InvoiceQuery(Schema):
    kind = fields.String(validate=validate.OneOf(["", *(k.value for k in DocumentKind)]))
    state = fields.String(validate=validate.OneOf(["", "open", "paid"]))
    q = fields.String(validate=validate.Length(max=120))
    series = fields.String(validate=validate.Length(max=20))
    date_from = fields.Date()
    date_to = fields.Date()
    page = Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = Integer(load_default=50, validate=validate.Range(min=1, max=200))
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "csv"]),
        metadata={"description": "csv: every matching row as the accountant's CSV."},
    )


class LineOut(Schema):
    item_type = fields.String()
    description = fields.String()
    quantity = fields.Integer()
    unit_price = fields.String()
    net = fields.String()
    vat_rate = fields.String()
    vat = fields.String()
    gross = fields.String()


class InvoiceOut(Schema):
    number = fields.String()
    kind = fields.String()
    issue_date = fields.String()
    due_date = fields.String()
    refers_to = fields.String(allow_none=True)
    reason = fields.String()
    buyer_name = fields.String()
    buyer_country = fields.String()
    buyer_vat_id = fields.String()
    buyer_vat_id_check = fields.String()
    reverse_charge = fields.Boolean()
    currency = fields.String()
    net = fields.String()
    vat = fields.String()
    gross = fields.String()
    paid = fields.String()
    outstanding = fields.String()
    pdf_url = fields.String()
    lines = fields.List(fields.Nested(LineOut))


class InvoiceListOut(Schema):
    invoices = fields.List(fields.Nested(InvoiceOut))
    total = fields.Integer()
    page = fields.Integer()
    pages = fields.Integer()


def _invoice_json(row, *, lines: bool = False) -> dict:
    invoice = row.invoice
    data = {
        "number": invoice.number,
        "kind": invoice.kind,
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "refers_to": invoice.corrects.number if invoice.corrects_id else None,
        "reason": invoice.reason,
        "buyer_name": invoice.buyer_name,
        "buyer_country": invoice.buyer_country,
        "buyer_vat_id": invoice.buyer_vat_id,
        "buyer_vat_id_check": invoice.buyer_vat_id_check,
        "reverse_charge": invoice.is_reverse_charge,
        "currency": invoice.currency,
        "net": str(invoice.total_net),
        "vat": str(invoice.total_vat),
        "gross": str(invoice.total_gross),
        "paid": str(row.paid),
        "outstanding": str(row.outstanding),
        "pdf_url": f"/api/v1/invoices/{invoice.number}.pdf",
    }
    if lines:
        data["lines"] = [
            {
                "item_type": line.item_type,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "net": str(line.net_amount),
                "vat_rate": str(line.vat_rate),
                "vat": str(line.vat_amount),
                "gross": str(line.gross_amount),
            }
            for line in invoice.lines
        ]
    return data


@blp.route("/invoices", methods=["GET"])
@organizer_token_required
@blp.arguments(InvoiceQuery, location="query")
@blp.doc(
    security=SECURITY,
    responses={"200": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
@blp.alt_response(200, schema=InvoiceListOut, description="Invoices and credit notes.")
def list_invoices(query):
    """Invoices and credit notes, newest first; `format=csv` for the accountant's export."""
    congress = _congress()
    filters = InvoiceFilters(
        kind=query.get("kind", ""),
        state=query.get("state", ""),
        q=query.get("q", ""),
        series=query.get("series", ""),
        date_from=query.get("date_from"),
        date_to=query.get("date_to"),
    )
    if query["format"] == "csv":
        invoices = list(db.session.scalars(invoices_query(congress, filters)))
        response = Response(invoices_csv(get_rows(invoices)), mimetype="text/csv")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{congress.slug}-invoices.csv"'
        )
        return response
    pagination = db.paginate(
        invoices_query(congress, filters),
        page=query["page"],
        per_page=query["per_page"],
        error_out=False,
    )
    return {
        "invoices": [_invoice_json(row) for row in get_rows(list(pagination.items))],
        "total": pagination.total,
        "page": pagination.page,
        "pages": pagination.pages,
    }


def _invoice_or_404(number: str):
    invoice = get_invoice_by_number(_congress(), number)
    if invoice is None:
        abort(404, message="No invoice or credit note with this number.")
    return invoice


@blp.route("/invoices/<number>", methods=["GET"])
@organizer_token_required
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=InvoiceOut, description="The invoice with its lines.")
def get_invoice(number):
    """One invoice or credit note with its lines, paid and outstanding amounts."""
    return _invoice_json(get_rows([_invoice_or_404(number)])[0], lines=True)


@blp.route("/invoices/<number>.pdf", methods=["GET"])
@organizer_token_required
@blp.doc(
    security=SECURITY,
    responses={
        "200": {
            "description": "The PDF as issued.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def get_invoice_pdf(number):
    """The PDF of an invoice or credit note exactly as issued (stored on first rendering)."""
    invoice = _invoice_or_404(number)
    data = services.invoice_pdf(invoice)
    db.session.commit()
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- the money overview -------------------------------------------------------------------------


class OverviewQuery(Schema):
    date_from = fields.Date(load_default=None, metadata={"description": "First day (inclusive)."})
    date_to = fields.Date(load_default=None, metadata={"description": "Last day (inclusive)."})


class FiguresOut(Schema):
    invoiced = fields.String(metadata={"example": "12480.00"})
    credited = fields.String()
    net_invoiced = fields.String(metadata={"description": "invoiced - credited"})
    by_method = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "bank_transfer, card, online_card, cash, other"},
    )
    refunded = fields.String()
    paid = fields.String(metadata={"description": "received less refunded"})
    outstanding = fields.String()
    waived_not_money = fields.String()


class OverviewDayOut(FiguresOut):
    day = fields.String(metadata={"format": "date"})
    category = fields.String()


class OverviewCategoryOut(FiguresOut):
    category = fields.String()


class OverviewOut(Schema):
    currency = fields.String()
    days = fields.List(fields.Nested(OverviewDayOut))
    categories = fields.List(fields.Nested(OverviewCategoryOut))
    totals = fields.Nested(FiguresOut)


def _figures_json(figures) -> dict:
    return {
        "invoiced": str(figures.invoiced),
        "credited": str(figures.credited),
        "net_invoiced": str(figures.net_invoiced),
        "by_method": {method: str(amount) for method, amount in figures.by_method.items()},
        "refunded": str(figures.refunded),
        "paid": str(figures.paid),
        "outstanding": str(figures.outstanding),
        "waived_not_money": str(figures.waived),
    }


@blp.route("/money/overview", methods=["GET"])
@organizer_token_required
@blp.arguments(OverviewQuery, location="query")
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=OverviewOut, description="The money overview.")
def money_overview(query):
    """Invoiced, credited, received by method, refunded, paid, outstanding and waived, per day
    and category, per category and in total (the /manage/money page; docs/MONEY.md). Without
    dates the totals equal the invoice CSV's column sums."""
    from conference.money.overview import build_overview

    congress = _congress()
    if query["date_from"] and query["date_to"] and query["date_to"] < query["date_from"]:
        raise ValidationFailed(
            "The range ends before it starts.", fields={"date_to": ["After date_from."]}
        )
    overview = build_overview(congress, date_from=query["date_from"], date_to=query["date_to"])
    return {
        "currency": overview.currency,
        "days": [
            {"day": day.isoformat(), "category": name, **_figures_json(figures)}
            for (day, name), figures in overview.rows
        ],
        "categories": [
            {"category": name, **_figures_json(figures)} for name, figures in overview.by_category
        ],
        "totals": _figures_json(overview.totals),
    }


# -- vouchers -----------------------------------------------------------------------------------


class VoucherIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in VoucherKind]))
    count = Integer(load_default=1, validate=validate.Range(min=1, max=1000))
    percent = fields.Decimal(as_string=True, metadata={"description": "For kind percent."})
    amount = fields.Decimal(as_string=True, metadata={"description": "For kind fixed."})
    categories = fields.List(
        fields.String(validate=validate.Length(max=80)),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "Registration category slugs; empty: every category."},
    )
    max_uses = Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    valid_from = CongressDateTime(allow_none=True)
    valid_until = CongressDateTime(allow_none=True)
    label = fields.String(load_default="", validate=validate.Length(max=100))
    prefix = fields.String(load_default="", validate=validate.Length(max=10))


class VoucherQuery(Schema):
    label = fields.String(load_default="", validate=validate.Length(max=100))
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "csv"]),
        metadata={"description": "csv: every matching voucher as CSV."},
    )


class VoucherRedemptionOut(Schema):
    source = fields.String()
    reference = fields.String()
    discount = fields.String(metadata={"example": "450.00"})
    redeemed_at = fields.String(metadata={"format": "date-time"})


class VoucherOut(Schema):
    code = fields.String()
    kind = fields.String()
    percent = fields.String(allow_none=True, metadata={"example": "20.00"})
    amount = fields.String(allow_none=True, metadata={"example": "100.00"})
    currency = fields.String()
    categories = fields.List(fields.String())
    max_uses = fields.Integer()
    uses = fields.Integer()
    valid_from = fields.String(allow_none=True, metadata={"format": "date-time"})
    valid_until = fields.String(allow_none=True, metadata={"format": "date-time"})
    label = fields.String()
    disabled = fields.Boolean()
    disabled_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    used_by = fields.List(fields.Nested(VoucherRedemptionOut))


class VoucherListOut(Schema):
    vouchers = fields.List(fields.Nested(VoucherOut))
    total = fields.Integer()


def _category_slugs(congress) -> dict[int, str]:
    from conference.registration.queries import get_categories

    return {category.id: category.slug for category in get_categories(congress)}


def _voucher_json(voucher, slugs: dict[int, str]) -> dict:
    return {
        "code": voucher.code,
        "kind": voucher.kind,
        "percent": str(voucher.percent) if voucher.percent is not None else None,
        "amount": str(voucher.amount) if voucher.amount is not None else None,
        "currency": voucher.currency,
        "categories": [slugs.get(i, str(i)) for i in voucher.category_ids],
        "max_uses": voucher.max_uses,
        "uses": voucher.uses,
        "valid_from": voucher.valid_from.isoformat() if voucher.valid_from else None,
        "valid_until": voucher.valid_until.isoformat() if voucher.valid_until else None,
        "label": voucher.label,
        "disabled": voucher.disabled_at is not None,
        "disabled_at": voucher.disabled_at.isoformat() if voucher.disabled_at else None,
        "used_by": [
            {
                "source": use.source,
                "reference": use.source_key,
                "discount": str(use.discount),
                "redeemed_at": use.redeemed_at.isoformat(),
            }
            for use in voucher.redemptions
            if use.released_at is None
        ],
    }


@blp.route("/vouchers", methods=["POST"])
@organizer_token_required
@blp.arguments(VoucherIn)
@blp.doc(security=SECURITY)
@blp.alt_response(201, schema=VoucherListOut, description="The vouchers created.")
def create_vouchers(payload):
    """Create one voucher or a batch (`count`), each with its own random code."""
    congress = _congress()
    slugs = _category_slugs(congress)
    ids = {slug: id_ for id_, slug in slugs.items()}
    unknown = [slug for slug in payload["categories"] if slug not in ids]
    if unknown:
        message = f"Unknown category: {', '.join(unknown)[:200]}."
        raise ValidationFailed(message, fields={"categories": [message]})
    created = voucher_services.create_vouchers(
        congress,
        kind=payload["kind"],
        count=payload["count"],
        percent=payload.get("percent"),
        amount=payload.get("amount"),
        category_ids=[ids[slug] for slug in payload["categories"]],
        max_uses=payload["max_uses"],
        valid_from=payload.get("valid_from"),
        valid_until=payload.get("valid_until"),
        label=payload["label"],
        prefix=payload["prefix"],
        by=bearer_user(),
    )
    body = {"vouchers": [_voucher_json(v, slugs) for v in created], "total": len(created)}
    db.session.commit()
    return body, 201


@blp.route("/vouchers", methods=["GET"])
@organizer_token_required
@blp.arguments(VoucherQuery, location="query")
@blp.doc(
    security=SECURITY,
    responses={"200": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
@blp.alt_response(200, schema=VoucherListOut, description="Vouchers with their uses.")
def list_vouchers(query):
    """Vouchers (one batch with `label`), with the registrations using each; `format=csv`."""
    congress = _congress()
    vouchers = list(db.session.scalars(vouchers_query(congress, query["label"])))
    if query["format"] == "csv":
        from conference.registration.queries import get_categories

        names = {c.id: c.name for c in get_categories(congress)}
        response = Response(vouchers_csv(vouchers, names), mimetype="text/csv")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{congress.slug}-vouchers.csv"'
        )
        return response
    slugs = _category_slugs(congress)
    return {"vouchers": [_voucher_json(v, slugs) for v in vouchers], "total": len(vouchers)}


class VoucherPatch(Schema):
    disabled = fields.Boolean(
        metadata={"description": "true: the code is refused from now on; false: usable again."},
    )
    max_uses = Integer(
        validate=validate.Range(min=1, max=100000),
        metadata={"description": "Not below the uses already made (422 `max_uses`)."},
    )
    categories = fields.List(
        fields.String(validate=validate.Length(max=80)),
        validate=validate.Length(max=100),
        metadata={"description": "Registration category slugs; empty: every category."},
    )
    valid_from = CongressDateTime(allow_none=True)
    valid_until = CongressDateTime(allow_none=True)
    label = fields.String(validate=validate.Length(max=100))


@blp.route("/vouchers/<code>", methods=["PATCH"])
@organizer_token_required
@blp.arguments(VoucherPatch)
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=VoucherOut, description="The voucher after the change.")
def patch_voucher(payload, code):
    """Edit a voucher (uses, categories, validity window, label), disable it (refused with a
    clear message from now on) or enable it again; fields not sent stay as they are."""
    congress = _congress()
    voucher = voucher_services.get_voucher(congress, code)
    slugs = _category_slugs(congress)
    changes = {
        name: payload[name]
        for name in ("max_uses", "valid_from", "valid_until", "label")
        if name in payload
    }
    if "categories" in payload:
        ids = {slug: id_ for id_, slug in slugs.items()}
        unknown = [slug for slug in payload["categories"] if slug not in ids]
        if unknown:
            message = f"Unknown category: {', '.join(unknown)[:200]}."
            raise ValidationFailed(message, fields={"categories": [message]})
        changes["category_ids"] = [ids[slug] for slug in payload["categories"]]
    if changes:
        voucher_services.update_voucher(voucher, changes)
    if "disabled" in payload:
        voucher_services.set_voucher_disabled(voucher, payload["disabled"])
    body = _voucher_json(voucher, slugs)
    db.session.commit()
    return body


# -- bank reconciliation ------------------------------------------------------------------------


class ReconciliationIn(Schema):
    statement = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1_000_000),
        metadata={"description": "The bank statement CSV as text (docs/MONEY.md)."},
    )
    confirm = fields.Boolean(
        load_default=False,
        metadata={"description": "Record the matched lines; needs the token of a dry run."},
    )
    token = fields.String(
        load_default="",
        validate=validate.Length(max=64),
        metadata={"description": "The token a dry run of this very statement returned."},
    )
    record_differing = fields.List(
        Integer(validate=validate.Range(min=1, max=1_000_000)),
        load_default=list,
        metadata={"description": "Line numbers whose differing amount is to be recorded too."},
    )


class MatchOut(Schema):
    line = fields.Integer()
    date = fields.String()
    amount = fields.String()
    currency = fields.String()
    payer = fields.String()
    remittance = fields.String()
    state = fields.String(
        metadata={"description": "matched, differs, unmatched, already_paid, imported, outgoing"}
    )
    matched_to = fields.String(allow_none=True)
    due = fields.String(allow_none=True)
    note = fields.String()


class LineErrorOut(Schema):
    line = fields.Integer()
    message = fields.String()


class RecordedOut(Schema):
    line = fields.Integer()
    matched_to = fields.String()
    amount = fields.String()
    error = fields.String()


class ReconciliationOut(Schema):
    token = fields.String()
    columns = fields.Dict(keys=fields.String(), values=fields.String())
    lines = fields.List(fields.Nested(MatchOut))
    errors = fields.List(fields.Nested(LineErrorOut))
    recorded = fields.List(fields.Nested(RecordedOut))


@blp.route("/reconciliation", methods=["POST"])
@organizer_token_required
@blp.arguments(ReconciliationIn)
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=ReconciliationOut, description="Matches, and what was recorded.")
def reconcile(payload):
    """Match a bank statement's transfers to registrations and invoices (a dry run by default);
    `confirm` with the dry run's token records the matched lines as bank transfers, once."""
    from flask import g

    from conference.errors import ValidationFailed
    from conference.money.reconciliation import (
        check_token,
        match_statement,
        record_matches,
        statement_token,
    )
    from conference.money.statements import StatementError, decode, parse_statement

    congress = _congress()
    try:
        text = decode(payload["statement"])
        statement = parse_statement(text, default_currency=congress.currency)
    except StatementError as exc:
        raise ValidationFailed(str(exc), fields={"statement": [str(exc)]}) from None
    matches = match_statement(congress, statement)
    recorded = []
    if payload["confirm"]:
        if not check_token(congress, text, payload["token"]):
            message = "Send the token of a dry run of this very statement."
            raise ValidationFailed(message, fields={"token": [message]})
        recorded = record_matches(
            congress,
            matches,
            include_differing=set(payload["record_differing"]),
            by=g.get("api_user"),
        )
        db.session.commit()
        matches = match_statement(congress, statement)
    return {
        "token": statement_token(congress, text),
        "columns": statement.columns,
        "lines": [
            {
                "line": match.line.number,
                "date": match.line.booked_on.isoformat(),
                "amount": str(match.line.amount),
                "currency": match.line.currency,
                "payer": match.line.payer,
                "remittance": match.line.remittance,
                "state": match.state,
                "matched_to": match.target.key if match.target else None,
                "due": None if match.due is None else str(match.due),
                "note": match.note,
            }
            for match in matches
        ],
        "errors": [{"line": number, "message": message} for number, message in statement.errors],
        "recorded": [
            {
                "line": item.line.number,
                "matched_to": item.key,
                "amount": str(item.amount),
                "error": item.error,
            }
            for item in recorded
        ],
    }


# -- card payment provider's notifications -----------------------------------------------------


@blp.route("/payments/webhook/<provider>", methods=["POST"])
@blp.doc(
    description="The card payment provider's notifications (Stripe: `/payments/webhook/stripe`, "
    "signed with `Stripe-Signature`, checked with stripe.Webhook.construct_event and "
    "STRIPE_WEBHOOK_SECRET). `checkout.session.completed` records the payment once, however "
    "often it is delivered, for a registration or an invoice (an abstract fee). Unsigned or "
    "wrongly signed bodies get 400; replayed, unknown or mismatched events get 200 with their "
    "outcome and change nothing; a provider that is not configured is a 404.",
    security=[],
)
@blp.alt_response(200, schema=responses.WebhookOut, description="The event's outcome.")
@blp.alt_response(400, description="Not a genuine, signed event of the provider.")
@blp.alt_response(404, description="This payment provider is not configured.")
def payment_webhook(provider):
    """Receive a card payment provider's event."""
    body = request.get_data(cache=False)
    try:
        outcome = card.handle_webhook(provider, body, request.headers)
    except card.ProviderNotConfigured:
        abort(404, message="This payment provider is not configured.")
    except WebhookRejected as exc:
        log.warning("%s webhook refused from %s: %s", provider[:20], request.remote_addr, exc)
        abort(400, message="Not a genuine, signed notification.")
    db.session.commit()
    return {"received": True, "outcome": outcome}
