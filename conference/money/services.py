"""Writes and rules of the money domain: seller profile, orders, invoices, credit notes, payments.

Services flush, never commit. Other domains sell through `invoice_order` (or `create_order` and
`issue_invoice`): they hand in the buyer and the order lines; money decides the VAT, the number
and the totals. See docs/MONEY.md.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from conference.countries import check_country
from conference.errors import Conflict, FieldErrors, ValidationFailed
from conference.extensions import db
from conference.i18n import current_language, format_when, in_language, normalize
from conference.models import utcnow
from conference.money import signals, vat
from conference.money.models import (
    DocumentKind,
    Invoice,
    InvoiceDocument,
    InvoiceLine,
    InvoicePayment,
    InvoiceSeries,
    ItemType,
    Order,
    OrderLine,
    OrderStatus,
    SellerProfile,
    SeriesCounter,
    VatIdCheck,
)
from conference.money.queries import get_active_invoice, get_balance, get_seller_profile
from conference.program.models import Congress
from conference.timeutil import to_local

SERIES_CODE = re.compile(r"^[A-Z0-9]{1,12}$")
MAX_AMOUNT = Decimal("99999999.99")
PAYMENT_METHODS = ("bank_transfer", "card", "online_card", "cash", "other")

#: Sent after money is recorded against an invoice: see conference.money.signals.
payment_recorded = signals.payment_recorded


# -- seller profile -----------------------------------------------------------------------------


SELLER_TEXT_FIELDS = {
    "legal_name": 200,
    "address": 1000,
    "registration_number": 60,
    "account_holder": 200,
    "bank_name": 200,
}


def _rate(value, name: str, errors: FieldErrors) -> Decimal | None:
    try:
        rate = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        errors.add(name, _("Enter a VAT rate in percent, e.g. 20 or 5.5."))
        return None
    if not rate.is_finite() or rate < 0 or rate > 100:
        errors.add(name, _("A VAT rate is between 0 and 100 percent."))
        return None
    return vat.cents(rate)


def update_seller_profile(congress: Congress, **data) -> SellerProfile:
    """Save the organizer's legal entity, bank details and VAT settings for a congress.

    IBAN, BIC and the seller's VAT id are checked offline (format and check digits) and kept
    in their compact form. Keys not given keep their value.
    """
    profile = get_seller_profile(congress)
    if profile is None:
        profile = SellerProfile(congress_id=congress.id)
    errors = FieldErrors()
    values: dict = {}
    for name, limit in SELLER_TEXT_FIELDS.items():
        if name in data:
            text = (data[name] or "").strip()
            if len(text) > limit:
                errors.add(name, _("Use at most %(limit)s characters.", limit=limit))
            values[name] = text
    if "country" in data:
        country = (data["country"] or "").strip().upper()
        problem = check_country(country)
        if problem:
            errors.add("country", problem)
        values["country"] = country
    if "vat_id" in data:
        compact, problem = vat.check_vat_id(data["vat_id"] or "")
        if problem:
            errors.add("vat_id", problem)
        values["vat_id"] = compact
    if "iban" in data:
        compact, problem = vat.check_iban(data["iban"] or "")
        if problem:
            errors.add("iban", problem)
        values["iban"] = compact[:34]
    if "bic" in data:
        compact, problem = vat.check_bic(data["bic"] or "")
        if problem:
            errors.add("bic", problem)
        values["bic"] = compact[:11]
    if "payment_terms_days" in data:
        days = data["payment_terms_days"]
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 365:
            errors.add("payment_terms_days", _("Payment terms are between 0 and 365 days."))
        else:
            values["payment_terms_days"] = days
    if "prices_include_vat" in data:
        values["prices_include_vat"] = bool(data["prices_include_vat"])
    for name in ("vat_rate_registration", "vat_rate_abstract_fee", "vat_rate_sponsorship"):
        if name in data and data[name] is not None:
            rate = _rate(data[name], name, errors)
            if rate is not None:
                values[name] = rate
    if "invoice_series" in data:
        code = (data["invoice_series"] or "").strip().upper()
        if not SERIES_CODE.match(code):
            errors.add(
                "invoice_series",
                _("A series code has 1 to 12 capital letters or digits, e.g. MET26."),
            )
        values["invoice_series"] = code
    if ("invoice_series" in values or "vat_id" in values) and "invoice_series" not in errors.fields:
        other = series_clash(
            congress,
            values.get("vat_id", profile.vat_id),
            values.get("invoice_series", profile.invoice_series),
        )
        if other is not None:
            errors.add("invoice_series", _series_clash_message(other))
    errors.raise_if_any()
    for name, value in values.items():
        setattr(profile, name, value)
    db.session.add(profile)
    db.session.flush()
    return profile


def _require_seller(congress: Congress) -> SellerProfile:
    profile = get_seller_profile(congress)
    if profile is None or not profile.is_complete:
        raise Conflict(
            _(
                "Invoices cannot be issued yet: the organizer's legal name, address, "
                "country, VAT id and IBAN must first be filled in on the seller "
                "profile.",
            ),
            code="seller_profile_incomplete",
        )
    return profile


# -- orders -------------------------------------------------------------------------------------


@dataclass
class Buyer:
    """Who is invoiced: a person or an institution (then with its VAT id when it has one)."""

    name: str
    address: str = ""
    country: str = ""
    vat_id: str = ""
    email: str = ""


@dataclass
class LineIn:
    """An order line handed in by the selling domain (unit price gross or net per congress)."""

    item_type: str
    description: str
    unit_price: Decimal
    quantity: int = 1
    extra: dict = field(default_factory=dict)


def _check_buyer(buyer: Buyer, errors: FieldErrors) -> Buyer:
    name = (buyer.name or "").strip()
    if not name:
        errors.add("buyer_name", _("Enter the name of the person or institution invoiced."))
    elif len(name) > 200:
        errors.add("buyer_name", _("Use at most 200 characters."))
    address = (buyer.address or "").strip()
    if len(address) > 1000:
        errors.add("buyer_address", _("Use at most 1000 characters."))
    country = (buyer.country or "").strip().upper()
    problem = check_country(country)
    if problem:
        errors.add("buyer_country", problem)
    vat_id, problem = vat.check_vat_id(buyer.vat_id or "")
    if problem:
        errors.add("buyer_vat_id", problem)
    email = (buyer.email or "").strip()[:254]
    return Buyer(name=name, address=address, country=country, vat_id=vat_id, email=email)


def _check_lines(lines: list[LineIn], errors: FieldErrors) -> list[LineIn]:
    if not lines:
        errors.add("lines", _("An order has at least one line."))
    checked = []
    for index, line in enumerate(lines):
        key = f"lines.{index}"
        if line.item_type not in set(ItemType):
            errors.add(key, _("Unknown item type %(item_type)s.", item_type=repr(line.item_type)))
            continue
        description = (line.description or "").strip()
        if not description or len(description) > 300:
            errors.add(key, _("Each line needs a description of at most 300 characters."))
            continue
        if not isinstance(line.quantity, int) or not 1 <= line.quantity <= 10000:
            errors.add(key, _("A quantity is a whole number from 1 to 10000."))
            continue
        try:
            price = Decimal(line.unit_price)
        except (InvalidOperation, TypeError, ValueError):
            errors.add(key, _("A unit price is an amount such as 450.00."))
            continue
        if not price.is_finite() or price < 0 or price * line.quantity > MAX_AMOUNT:
            errors.add(key, _("A unit price is an amount from 0 to 99,999,999.99."))
            continue
        if price != vat.cents(price):
            errors.add(key, _("A unit price has at most two decimals."))
            continue
        checked.append(LineIn(line.item_type, description, price, line.quantity))
    return checked


def create_order(
    congress: Congress,
    buyer: Buyer,
    lines: list[LineIn],
    *,
    source: str = "",
    source_key: str = "",
) -> Order:
    """Record what a buyer owes, in the congress currency."""
    errors = FieldErrors()
    buyer = _check_buyer(buyer, errors)
    checked = _check_lines(list(lines), errors)
    errors.raise_if_any(_("The order cannot be recorded: please correct the fields named."))
    order = Order(
        congress_id=congress.id,
        source=source[:40],
        source_key=str(source_key)[:80],
        currency=congress.currency,
        status=OrderStatus.OPEN,
        buyer_name=buyer.name,
        buyer_address=buyer.address,
        buyer_country=buyer.country,
        buyer_vat_id=buyer.vat_id,
        buyer_email=buyer.email,
        lines=[
            OrderLine(
                position=index,
                item_type=line.item_type,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
            )
            for index, line in enumerate(checked)
        ],
    )
    db.session.add(order)
    db.session.flush()
    return order


# -- numbering ----------------------------------------------------------------------------------


def series_clash(congress: Congress, vat_id: str, code: str) -> Congress | None:
    """Another congress invoicing as the same legal entity (the same VAT id) whose series
    has this code: it names it on its seller profile, or issued documents in it. Numbers are
    counted per congress's series, so the two would issue the same invoice numbers."""
    if not vat_id or not code:
        return None
    named = select(SellerProfile.congress_id).where(
        SellerProfile.congress_id != congress.id,
        SellerProfile.vat_id == vat_id,
        SellerProfile.invoice_series == code,
    )
    used = (
        select(InvoiceSeries.congress_id)
        .join(SellerProfile, SellerProfile.congress_id == InvoiceSeries.congress_id)
        .where(
            InvoiceSeries.congress_id != congress.id,
            InvoiceSeries.code == code,
            SellerProfile.vat_id == vat_id,
        )
    )
    other_id = db.session.scalar(named.union(used).limit(1))
    return db.session.get(Congress, other_id) if other_id is not None else None


def _series_clash_message(other: Congress) -> str:
    return _(
        "%(congress)s already invoices under this series as the same legal entity (the same "
        "VAT id): choose another series code, or its invoice numbers would repeat.",
        congress=other.name,
    )


def _series(congress: Congress, code: str) -> InvoiceSeries:
    found = db.session.scalar(
        select(InvoiceSeries).where(
            InvoiceSeries.congress_id == congress.id, InvoiceSeries.code == code
        )
    )
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            found = InvoiceSeries(congress_id=congress.id, code=code)
            db.session.add(found)
    except IntegrityError:  # created meanwhile by a concurrent issue
        return db.session.scalars(
            select(InvoiceSeries).where(
                InvoiceSeries.congress_id == congress.id, InvoiceSeries.code == code
            )
        ).one()
    return found


def _next_sequence(series: InvoiceSeries, kind: DocumentKind, year: int) -> int:
    """The next number of a series: one UPDATE that locks the counter row until commit."""
    bump = (
        update(SeriesCounter)
        .where(
            SeriesCounter.series_id == series.id,
            SeriesCounter.kind == str(kind),
            SeriesCounter.year == year,
        )
        .values(last_number=SeriesCounter.last_number + 1)
        .returning(SeriesCounter.last_number)
        .execution_options(synchronize_session=False)
    )
    number = db.session.execute(bump).scalar_one_or_none()
    if number is not None:
        return number
    try:
        with db.session.begin_nested():
            db.session.add(
                SeriesCounter(series_id=series.id, kind=str(kind), year=year, last_number=0)
            )
    except IntegrityError:
        pass  # a concurrent issue created it first: the UPDATE below waits for its lock
    return db.session.execute(bump).scalar_one()


def format_number(code: str, kind: DocumentKind, year: int, sequence: int) -> str:
    """MET26-2026-00042 for invoices, MET26-CN-2026-00003 for credit notes."""
    middle = "" if kind == DocumentKind.INVOICE else "CN-"
    return f"{code}-{middle}{year}-{sequence:05d}"


# -- issuing ------------------------------------------------------------------------------------


def _payment_terms(profile: SellerProfile, due: date) -> str:
    if profile.payment_terms_days == 0:
        return _("Payable on receipt, by bank transfer quoting the invoice number.")
    return ngettext(
        "Payable within %(num)d day, by %(date)s, by bank transfer quoting the invoice number.",
        "Payable within %(num)d days, by %(date)s, by bank transfer quoting the invoice number.",
        profile.payment_terms_days,
        date=format_when(due, "%d %B %Y"),
    )


def _new_document(
    congress: Congress,
    order: Order,
    *,
    kind: DocumentKind,
    series: InvoiceSeries,
    issued_at: datetime,
    issue_date: date,
    **fields,
) -> Invoice:
    sequence = _next_sequence(series, kind, issue_date.year)
    document = Invoice(
        congress_id=congress.id,
        order=order,
        series=series,
        kind=str(kind),
        year=issue_date.year,
        sequence=sequence,
        number=format_number(series.code, kind, issue_date.year, sequence),
        issued_at=issued_at,
        issue_date=issue_date,
        currency=order.currency,
        **fields,
    )
    return document


def issue_invoice(
    order: Order, *, series_code: str | None = None, language: str | None = None
) -> Invoice:
    """Issue the invoice of an open order: VAT per line, a gapless number, a frozen snapshot.

    A buyer with a valid EU VAT id of another member state than the seller's is invoiced
    under reverse charge (0 % VAT with the legal mention); the offline check of the buyer's
    VAT id is recorded on the invoice. The invoice is written in `language` (the buyer's;
    default: the current one), recorded on it: its lines come written in it from the selling
    domain, its terms and mentions are written in it here.
    """
    language = normalize(language) or current_language()
    congress = db.session.get(Congress, order.congress_id)
    if order.status != OrderStatus.OPEN:
        raise Conflict(_("This order has already been invoiced or cancelled."), code="order_closed")
    profile = _require_seller(congress)
    code = (series_code or profile.invoice_series or "").upper()
    if not SERIES_CODE.match(code):
        raise ValidationFailed(
            _("Unknown invoice series."), fields={"series": ["A series code is 1-12 letters."]}
        )
    if series_code is None and (other := series_clash(congress, profile.vat_id, code)):
        # A new invoice in the profile's series (a correction keeps its invoice's series):
        # refused while another congress of the same legal entity numbers the same series.
        raise Conflict(_series_clash_message(other), code="invoice_series_in_use")
    buyer_check = VatIdCheck.NONE
    if order.buyer_vat_id:
        is_eu = vat.is_eu_vat_id(order.buyer_vat_id)
        buyer_check = VatIdCheck.VALID if is_eu else VatIdCheck.UNCHECKED
    reverse_charge = vat.is_reverse_charge(profile.vat_id, order.buyer_vat_id)
    issued_at = utcnow()
    issue_date = to_local(issued_at, congress.tz).date()
    due = issue_date + timedelta(days=profile.payment_terms_days)
    lines = []
    for index, line in enumerate(order.lines):
        amounts = vat.line_amounts(
            line.unit_price,
            line.quantity,
            profile.vat_rate_for(line.item_type),
            prices_include_vat=profile.prices_include_vat,
            reverse_charge=reverse_charge,
        )
        lines.append(
            InvoiceLine(
                position=index,
                item_type=line.item_type,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                net_amount=amounts.net,
                vat_rate=amounts.vat_rate,
                vat_amount=amounts.vat,
                gross_amount=amounts.gross,
            )
        )
    invoice = _new_document(
        congress,
        order,
        kind=DocumentKind.INVOICE,
        series=_series(congress, code),
        issued_at=issued_at,
        issue_date=issue_date,
        due_date=due,
        seller_name=profile.legal_name,
        seller_address=profile.address,
        seller_country=profile.country,
        seller_vat_id=profile.vat_id,
        seller_registration_number=profile.registration_number,
        bank_account_holder=profile.account_holder or profile.legal_name,
        bank_iban=profile.iban,
        bank_bic=profile.bic,
        bank_name=profile.bank_name,
        buyer_name=order.buyer_name,
        buyer_address=order.buyer_address,
        buyer_country=order.buyer_country,
        buyer_vat_id=order.buyer_vat_id,
        buyer_email=order.buyer_email,
        buyer_vat_id_check=str(buyer_check),
        is_reverse_charge=reverse_charge,
        prices_include_vat=profile.prices_include_vat,
        payment_terms=_in(language, _payment_terms, profile, due),
        legal_mention=_in(language, str, vat.REVERSE_CHARGE_MENTION) if reverse_charge else "",
        language=language,
        total_net=sum((line.net_amount for line in lines), Decimal("0.00")),
        total_vat=sum((line.vat_amount for line in lines), Decimal("0.00")),
        total_gross=sum((line.gross_amount for line in lines), Decimal("0.00")),
        lines=lines,
    )
    order.status = OrderStatus.INVOICED
    db.session.add(invoice)
    db.session.flush()
    return invoice


def _in(language: str, function, *args) -> str:
    """`function(*args)` written in `language`."""
    with in_language(language):
        return str(function(*args))


def invoicing_enabled(congress: Congress) -> bool:
    """Whether invoices can be issued: the organizer has completed the seller profile.

    Selling domains check this before invoicing automatically, so a congress that does not
    invoice (yet) keeps working as before.
    """
    profile = get_seller_profile(congress)
    return profile is not None and profile.is_complete


def invoice_order(
    congress: Congress,
    buyer: Buyer,
    lines: list[LineIn],
    *,
    source: str,
    source_key: str,
    series_code: str | None = None,
    paid=None,
    payment_method: str = "bank_transfer",
    payment_reference: str = "",
    language: str | None = None,
) -> Invoice | None:
    """Record an order and issue its invoice; None when it costs nothing (no invoice then).

    The entry point for the domains that sell (registration, abstracts, industry). Called
    again for the same `source` and `source_key` while that invoice is not fully credited, it
    returns the invoice already issued instead of a second one. `paid`: an amount already
    received, recorded on the new invoice. `language`: the buyer's, which the `lines` are
    written in (default: the current language).
    """
    existing = get_active_invoice(congress, source, source_key) if source_key else None
    if existing is not None:
        return existing
    order = create_order(congress, buyer, lines, source=source, source_key=source_key)
    if all(line.unit_price == 0 for line in order.lines):
        order.status = OrderStatus.INVOICED
        db.session.flush()
        return None
    invoice = issue_invoice(order, series_code=series_code, language=language)
    if paid:
        record_invoice_payment(invoice, paid, method=payment_method, reference=payment_reference)
    return invoice


def refund_sale(
    congress: Congress, *, source: str, source_key: str, amount, reason: str
) -> Invoice | None:
    """A selling domain paid money back: the credit note (and refund) on its invoice, if any."""
    invoice = get_active_invoice(congress, source, source_key)
    if invoice is None or not amount or Decimal(str(amount)) <= 0:
        return None
    return refund_invoice(invoice, amount, reason, method="refund")


# -- credit notes -------------------------------------------------------------------------------


def _credit_terms(invoice: Invoice) -> str:
    return _(
        "Credit note for invoice %(number)s of %(date)s.",
        number=invoice.number,
        date=format_when(invoice.issue_date, "%d %B %Y"),
    )


def _credit_note(invoice: Invoice, lines: list[InvoiceLine], reason: str) -> Invoice:
    congress = db.session.get(Congress, invoice.congress_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Give the reason for the credit note."),
            fields={"reason": ["Say why: cancellation, refund, correction of the address, ..."]},
        )
    issued_at = utcnow()
    issue_date = to_local(issued_at, congress.tz).date()
    note = _new_document(
        congress,
        invoice.order,
        kind=DocumentKind.CREDIT_NOTE,
        series=invoice.series,
        issued_at=issued_at,
        issue_date=issue_date,
        due_date=issue_date,
        corrects_id=invoice.id,
        reason=reason[:300],
        **{
            name: getattr(invoice, name)
            for name in (
                "seller_name",
                "seller_address",
                "seller_country",
                "seller_vat_id",
                "seller_registration_number",
                "bank_account_holder",
                "bank_iban",
                "bank_bic",
                "bank_name",
                "buyer_name",
                "buyer_address",
                "buyer_country",
                "buyer_vat_id",
                "buyer_email",
                "buyer_vat_id_check",
                "is_reverse_charge",
                "prices_include_vat",
                "legal_mention",
            )
        },
        payment_terms=_in(invoice.language, _credit_terms, invoice),
        language=invoice.language,
        total_net=sum((line.net_amount for line in lines), Decimal("0.00")),
        total_vat=sum((line.vat_amount for line in lines), Decimal("0.00")),
        total_gross=sum((line.gross_amount for line in lines), Decimal("0.00")),
        lines=lines,
    )
    db.session.add(note)
    db.session.flush()
    return note


def _creditable(invoice: Invoice) -> Decimal:
    if invoice.kind != DocumentKind.INVOICE:
        raise Conflict(_("Only an invoice can be credited, not a credit note."), code="not_invoice")
    return get_balance(invoice).creditable


def _credit_description(kind: str, line: str) -> str:
    if kind == "refund":
        return _("Refund: %(line)s", line=line)
    return _("Cancellation: %(line)s", line=line)


def _credit_lines(invoice: Invoice, amount: Decimal, kind: str) -> list[InvoiceLine]:
    """Credit lines for a gross amount spread over the invoice's lines by their gross
    (`kind`: "refund" or "cancellation", written in the invoice's language).

    Each part keeps its line's VAT rate; the last line takes what rounding leaves.
    """
    lines = []
    left = amount
    charged = [line for line in invoice.lines if line.gross_amount]
    for index, line in enumerate(charged):
        if index == len(charged) - 1:
            part = left
        else:
            part = vat.cents(amount * line.gross_amount / invoice.total_gross)
            left -= part
        if invoice.is_reverse_charge or not line.vat_rate:
            net, tax = part, Decimal("0.00")
        else:
            net, tax = vat.split_gross(part, line.vat_rate)
        lines.append(
            InvoiceLine(
                position=line.position,
                item_type=line.item_type,
                description=_in(invoice.language, _credit_description, kind, line.description)[
                    :300
                ],
                quantity=1,
                unit_price=part,
                net_amount=-net,
                vat_rate=line.vat_rate,
                vat_amount=-tax,
                gross_amount=-part,
            )
        )
    return lines


def cancel_invoice(invoice: Invoice, reason: str) -> Invoice:
    """Cancel an invoice: a credit note negating each of its lines (or, when part of it was
    already credited, crediting what remains)."""
    creditable = _creditable(invoice)
    if creditable <= 0:
        raise Conflict(
            _("This invoice has already been credited in full."), code="already_credited"
        )
    if creditable == invoice.total_gross:
        lines = [
            InvoiceLine(
                position=line.position,
                item_type=line.item_type,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                net_amount=-line.net_amount,
                vat_rate=line.vat_rate,
                vat_amount=-line.vat_amount,
                gross_amount=-line.gross_amount,
            )
            for line in invoice.lines
        ]
    else:
        lines = _credit_lines(invoice, creditable, "cancellation")
    note = _credit_note(invoice, lines, reason)
    invoice.order.status = OrderStatus.CANCELLED
    db.session.flush()
    return note


def credit_units(invoice: Invoice, units: dict[int, int], reason: str) -> Invoice:
    """Credit some units of an invoice's lines (by line `position`): e.g. places of a group
    order given back unused. A credit note for those units at their line's price and VAT rate;
    no money moves (what is outstanding drops; when it was paid, the buyer is owed it).

    A line's full quantity negates the line exactly; fewer units take their share of the line's
    net and gross, rounded to the cent.
    """
    creditable = _creditable(invoice)
    by_position = {line.position: line for line in invoice.lines}
    lines = []
    for position, quantity in sorted(units.items()):
        line = by_position.get(position)
        if line is None or not isinstance(quantity, int) or not 0 < quantity <= line.quantity:
            raise ValidationFailed(
                _("Credit between 1 and the line's quantity of an invoice line."),
                fields={"units": [f"Line {position}: no such line or a wrong quantity."]},
            )
        if quantity == line.quantity:
            net, gross = line.net_amount, line.gross_amount
        else:
            net = vat.cents(line.net_amount * quantity / line.quantity)
            gross = vat.cents(line.gross_amount * quantity / line.quantity)
        lines.append(
            InvoiceLine(
                position=line.position,
                item_type=line.item_type,
                description=line.description,
                quantity=quantity,
                unit_price=line.unit_price,
                net_amount=-net,
                vat_rate=line.vat_rate,
                vat_amount=-(gross - net),
                gross_amount=-gross,
            )
        )
    if not lines:
        raise ValidationFailed(
            _("Nothing to credit."), fields={"units": ["Give at least one line."]}
        )
    total = sum((-line.gross_amount for line in lines), Decimal("0.00"))
    if total > creditable:
        raise Conflict(
            _(
                "Only %(creditable)s %(currency)s of invoice %(number)s can still be credited.",
                creditable=creditable,
                currency=invoice.currency,
                number=invoice.number,
            ),
            code="already_credited",
        )
    return _credit_note(invoice, lines, reason)


def pay_back_overpayment(
    invoice: Invoice, *, method: str = "bank_transfer", reference: str = ""
) -> Decimal:
    """Record that what was received beyond what the invoice still charges (its credit notes
    came after the payment) went back to the buyer; return that amount. No new credit note:
    the credit notes already say why."""
    overpaid = -get_balance(invoice).outstanding
    if overpaid <= 0:
        raise Conflict(
            _("Nothing was paid beyond what invoice %(number)s charges.", number=invoice.number),
            code="nothing_to_refund",
        )
    if method not in PAYMENT_METHODS:
        raise ValidationFailed(
            _("Unknown payment method."), fields={"method": ["Choose a payment method."]}
        )
    _payment(
        invoice, -overpaid, "refund", reference or f"Overpayment of {invoice.number} ({method})"
    )
    return overpaid


def refund_invoice(
    invoice: Invoice, amount, reason: str, *, method: str = "bank_transfer", reference: str = ""
) -> Invoice:
    """Pay back part or all of an invoice: a credit note for that amount, and the payment back.

    `method` says how the money went back (kept in the payment's reference).
    """
    amount = check_refund(invoice, amount)
    note = _credit_note(invoice, _credit_lines(invoice, amount, "refund"), reason)
    _payment(invoice, -amount, "refund", reference or f"Refund {note.number} ({method})")
    return note


def check_refund(invoice: Invoice, amount) -> Decimal:
    """The refund amount parsed, or the field error: at most what was paid and what can still
    be credited (checked before any money goes back through a provider)."""
    amount = _amount(amount, "amount")
    creditable = _creditable(invoice)
    balance = get_balance(invoice)
    if amount > creditable:
        raise ValidationFailed(
            _(
                "The refund is larger than what remains to be credited on this invoice.",
            ),
            fields={"amount": [f"At most {creditable} {invoice.currency} can be refunded."]},
        )
    if amount > balance.paid:
        raise ValidationFailed(
            _("More than was paid cannot be refunded."),
            fields={"amount": [f"{balance.paid} {invoice.currency} has been paid."]},
        )
    return amount


def correct_invoice(invoice: Invoice, buyer: Buyer, reason: str) -> tuple[Invoice, Invoice]:
    """Correct the buyer of an invoice: cancel it by credit note, issue a new one.

    Returns (credit note, new invoice); payments stay on the cancelled invoice's order and
    are moved to the new invoice.
    """
    congress = db.session.get(Congress, invoice.congress_id)
    note = cancel_invoice(invoice, reason)
    lines = [
        LineIn(line.item_type, line.description, line.unit_price, line.quantity)
        for line in invoice.order.lines
    ]
    order = create_order(
        congress, buyer, lines, source=invoice.order.source, source_key=invoice.order.source_key
    )
    new = issue_invoice(order, series_code=invoice.series.code, language=invoice.language)
    paid = get_balance(invoice).paid
    if paid:
        _payment(invoice, -paid, "moved", f"Moved to {new.number}")
        _payment(new, paid, "moved", f"From {invoice.number}")
    return note, new


# -- payments -----------------------------------------------------------------------------------


def _amount(value, name: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            _("Enter an amount."), fields={name: ["Enter an amount such as 450.00."]}
        ) from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT or amount != vat.cents(amount):
        raise ValidationFailed(
            _("Enter a positive amount with at most two decimals."),
            fields={name: ["Enter a positive amount with at most two decimals."]},
        )
    return amount


def record_invoice_payment(
    invoice: Invoice,
    amount,
    *,
    method: str = "bank_transfer",
    reference: str = "",
    received_at: datetime | None = None,
) -> InvoicePayment:
    """Record money received against an invoice (a positive amount with at most two decimals)."""
    if method not in PAYMENT_METHODS:
        raise ValidationFailed(
            _("Unknown payment method."), fields={"method": ["Choose a payment method."]}
        )
    received_at = received_at or utcnow()
    payment = _payment(invoice, _amount(amount, "amount"), method, reference, received_at)
    order = invoice.order
    payment_recorded.send(
        order.source,
        congress_id=invoice.congress_id,
        source_key=order.source_key,
        invoice=invoice,
        payment=payment,
        invoice_number=invoice.number,
        outstanding=get_balance(invoice).outstanding,
        received_at=received_at,
    )
    return payment


def _payment(invoice, signed: Decimal, method: str, reference: str, received_at=None):
    """A payment row; negative when money goes back to the buyer (refund, moved payment)."""
    if invoice.kind != DocumentKind.INVOICE:
        raise Conflict(_("Payments are recorded against invoices, not credit notes."))
    payment = InvoicePayment(
        invoice_id=invoice.id,
        amount=signed,
        method=method[:30],
        reference=(reference or "")[:120],
        received_at=received_at or utcnow(),
    )
    db.session.add(payment)
    db.session.flush()
    db.session.expire(invoice, ["payments"])
    return payment


# -- PDF ----------------------------------------------------------------------------------------


def invoice_pdf(invoice: Invoice, language: str | None = None) -> bytes:
    """The PDF of an invoice as issued: rendered once in the invoice's own language (its
    lines were written in it; `language` only for a document without one), then always
    served as stored."""
    stored = db.session.get(InvoiceDocument, invoice.id)
    if stored is not None:
        return stored.pdf
    from conference.money.documents import render_invoice_pdf

    with in_language(invoice.language or language or current_language()):
        data = render_invoice_pdf(invoice)
    try:
        with db.session.begin_nested():
            db.session.add(
                InvoiceDocument(
                    invoice_id=invoice.id, pdf=data, sha256=hashlib.sha256(data).hexdigest()
                )
            )
    except IntegrityError:  # stored meanwhile by a concurrent download: serve that one
        return db.session.get(InvoiceDocument, invoice.id, populate_existing=True).pdf
    return data


def _renamed_series(code: str, source: Congress, target: Congress) -> str:
    """A series code for the new congress: MET26 -> MET27 when it carries the short name."""
    old, new = source.short_name.upper(), re.sub(r"[^A-Z0-9]", "", target.short_name.upper())
    if old and new and old in code.upper():
        return code.upper().replace(old, new)[:20]
    return code


def copy_setup(source: Congress, target: Congress, shift: timedelta) -> None:
    """Copy the seller profile (legal entity, bank, VAT rates) and the invoice series of a
    congress into a new one; series named after the congress follow its new short name, and
    numbering starts again. No orders, invoices or vouchers are copied."""
    from conference.models import clone_row

    profile = get_seller_profile(source)
    if profile is not None:
        db.session.add(
            clone_row(
                profile,
                congress_id=target.id,
                invoice_series=_renamed_series(profile.invoice_series, source, target),
            )
        )
    for series in db.session.scalars(
        select(InvoiceSeries).where(InvoiceSeries.congress_id == source.id)
    ):
        db.session.add(
            InvoiceSeries(congress_id=target.id, code=_renamed_series(series.code, source, target))
        )
    db.session.flush()
