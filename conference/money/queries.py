"""Reads of the money domain: seller profile, invoices with their paid and outstanding amounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from conference.extensions import db
from conference.money.models import (
    DocumentKind,
    Invoice,
    InvoicePayment,
    InvoiceSeries,
    Order,
    SellerProfile,
    Voucher,
    VoucherRedemption,
)
from conference.program.models import Congress

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def get_seller_profile(congress: Congress) -> SellerProfile | None:
    return db.session.scalar(select(SellerProfile).where(SellerProfile.congress_id == congress.id))


@dataclass(frozen=True)
class BankDetails:
    """Where to send a bank transfer to the organizer (from the seller profile)."""

    account_holder: str
    #: Compact form, e.g. AT611904300234573201.
    iban: str
    #: Printed in groups of four, e.g. AT61 1904 3002 3457 3201.
    iban_formatted: str
    bic: str
    bank_name: str


def get_bank_details(congress: Congress) -> BankDetails | None:
    """The organizer's bank account for transfers; None until an IBAN and a holder (or the
    legal name) are filled in on the seller profile."""
    from conference.money.vat import format_iban

    profile = get_seller_profile(congress)
    if profile is None or not profile.iban:
        return None
    holder = profile.account_holder or profile.legal_name
    if not holder:
        return None
    return BankDetails(
        account_holder=holder,
        iban=profile.iban,
        iban_formatted=format_iban(profile.iban),
        bic=profile.bic,
        bank_name=profile.bank_name,
    )


@dataclass(frozen=True)
class SaleVat:
    """What another domain prints about a sale: the seller and the VAT in an amount."""

    seller_lines: list[str]
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal


def get_sale_vat(congress: Congress, item_type: str, amount: Decimal) -> SaleVat | None:
    """The seller's legal entity and the VAT contained in (or added to) `amount` of an item
    type, for receipts and statements; None until the seller profile is complete."""
    from conference.countries import country_name
    from conference.money.vat import line_amounts

    profile = get_seller_profile(congress)
    if profile is None or not profile.is_complete:
        return None
    amounts = line_amounts(
        Decimal(amount),
        1,
        profile.vat_rate_for(item_type),
        prices_include_vat=profile.prices_include_vat,
        reverse_charge=False,
    )
    seller = [
        profile.legal_name,
        *[line for line in profile.address.splitlines() if line.strip()],
        country_name(profile.country),
        f"VAT id: {profile.vat_id}" if profile.vat_id else "",
        f"Registration number: {profile.registration_number}"
        if profile.registration_number
        else "",
    ]
    return SaleVat(
        seller_lines=[line for line in seller if line],
        net=amounts.net,
        vat_rate=amounts.vat_rate,
        vat=amounts.vat,
        gross=amounts.gross,
    )


def get_invoice_by_number(congress: Congress, number: str) -> Invoice | None:
    """An invoice or credit note of this congress by its number (another congress's: None)."""
    return db.session.scalar(
        select(Invoice)
        .where(Invoice.congress_id == congress.id, Invoice.number == (number or "")[:40])
        .options(selectinload(Invoice.lines), selectinload(Invoice.credit_notes))
    )


def get_active_invoice(congress: Congress, source: str, source_key: str) -> Invoice | None:
    """The latest invoice of what a selling domain ordered under its key, unless fully credited."""
    invoices = db.session.scalars(
        select(Invoice)
        .join(Invoice.order)
        .where(
            Invoice.congress_id == congress.id,
            Invoice.kind == DocumentKind.INVOICE,
            Order.source == source,
            Order.source_key == str(source_key),
        )
        .order_by(Invoice.id.desc())
    )
    for invoice in invoices:
        if get_balance(invoice).creditable > 0:
            return invoice
    return None


@dataclass(frozen=True)
class Balance:
    """What an invoice's buyer paid and still owes, and how much can still be credited."""

    gross: Decimal
    credited: Decimal  # positive: the sum of its credit notes' gross, negated
    paid: Decimal  # payments minus money paid back

    @property
    def creditable(self) -> Decimal:
        return self.gross - self.credited

    @property
    def outstanding(self) -> Decimal:
        return self.gross - self.credited - self.paid


def _paid_column():
    return (
        select(func.coalesce(func.sum(InvoicePayment.amount), 0))
        .where(InvoicePayment.invoice_id == Invoice.id)
        .correlate(Invoice)
        .scalar_subquery()
    )


def _credited_column():
    note = aliased(Invoice)
    return (
        select(func.coalesce(-func.sum(note.total_gross), 0))
        .where(note.corrects_id == Invoice.id)
        .correlate(Invoice)
        .scalar_subquery()
    )


def get_balance(invoice: Invoice) -> Balance:
    if invoice.kind != DocumentKind.INVOICE:
        return Balance(gross=invoice.total_gross, credited=ZERO, paid=ZERO)
    paid, credited = db.session.execute(
        select(_paid_column(), _credited_column()).where(Invoice.id == invoice.id)
    ).one()
    return Balance(
        gross=invoice.total_gross,
        credited=Decimal(credited).quantize(Decimal("0.01")),
        paid=Decimal(paid).quantize(Decimal("0.01")),
    )


@dataclass
class InvoiceFilters:
    kind: str = ""
    #: "", "open" (something outstanding), "paid" (nothing outstanding)
    state: str = ""
    q: str = ""
    date_from: date | None = None
    date_to: date | None = None
    series: str = ""


def invoices_query(congress: Congress, filters: InvoiceFilters) -> Select:
    """Invoices and credit notes of a congress matching the filters, newest first."""
    query = (
        select(Invoice)
        .where(Invoice.congress_id == congress.id)
        .options(selectinload(Invoice.corrects))
    )
    if filters.kind in set(DocumentKind):
        query = query.where(Invoice.kind == filters.kind)
    if filters.q:
        pattern = f"%{filters.q.strip()}%"
        query = query.where(
            or_(
                Invoice.number.ilike(pattern),
                Invoice.buyer_name.ilike(pattern),
                Invoice.buyer_vat_id.ilike(pattern),
            )
        )
    if filters.date_from:
        query = query.where(Invoice.issue_date >= filters.date_from)
    if filters.date_to:
        query = query.where(Invoice.issue_date <= filters.date_to)
    if filters.series:
        query = query.join(Invoice.series).where(InvoiceSeries.code == filters.series.upper())
    outstanding = Invoice.total_gross - _credited_column() - _paid_column()
    if filters.state == "open":
        query = query.where(Invoice.kind == DocumentKind.INVOICE, outstanding != 0)
    elif filters.state == "paid":
        query = query.where(Invoice.kind == DocumentKind.INVOICE, outstanding == 0)
    return query.order_by(Invoice.issued_at.desc(), Invoice.id.desc())


@dataclass(frozen=True)
class InvoiceRow:
    invoice: Invoice
    paid: Decimal
    outstanding: Decimal


def _sums(query) -> dict[int, Decimal]:
    return {key: Decimal(total).quantize(CENT) for key, total in db.session.execute(query)}


def get_rows(invoices: list[Invoice]) -> list[InvoiceRow]:
    """Each invoice with what was paid and what is outstanding (two queries for any number)."""
    ids = [invoice.id for invoice in invoices]
    if not ids:
        return []
    paid = _sums(
        select(InvoicePayment.invoice_id, func.sum(InvoicePayment.amount))
        .where(InvoicePayment.invoice_id.in_(ids))
        .group_by(InvoicePayment.invoice_id)
    )
    credited = _sums(
        select(Invoice.corrects_id, -func.sum(Invoice.total_gross))
        .where(Invoice.corrects_id.in_(ids))
        .group_by(Invoice.corrects_id)
    )
    rows = []
    for invoice in invoices:
        if invoice.kind == DocumentKind.INVOICE:
            got = paid.get(invoice.id, ZERO)
            owed = invoice.total_gross - credited.get(invoice.id, ZERO) - got
            rows.append(InvoiceRow(invoice, got, owed))
        else:
            rows.append(InvoiceRow(invoice, ZERO, ZERO))
    return rows


# -- vouchers -------------------------------------------------------------------------------------


def vouchers_query(congress: Congress, label: str = "") -> Select:
    """The congress's vouchers (newest batch first), optionally one batch, with their uses."""
    query = (
        select(Voucher)
        .where(Voucher.congress_id == congress.id)
        .options(selectinload(Voucher.redemptions))
        .order_by(Voucher.created_at.desc(), Voucher.id)
    )
    if label:
        query = query.where(Voucher.label == label)
    return query


def get_voucher_labels(congress: Congress) -> list[tuple[str, int]]:
    """The batches' labels with how many vouchers each has, alphabetically."""
    return [
        (label, count)
        for label, count in db.session.execute(
            select(Voucher.label, func.count(Voucher.id))
            .where(Voucher.congress_id == congress.id, Voucher.label != "")
            .group_by(Voucher.label)
            .order_by(Voucher.label)
        )
    ]


def get_redemption(congress: Congress, source: str, source_key: str) -> VoucherRedemption | None:
    """The active (not released) voucher use of a sale."""
    return db.session.scalar(
        select(VoucherRedemption)
        .join(Voucher)
        .where(
            Voucher.congress_id == congress.id,
            VoucherRedemption.source == source,
            VoucherRedemption.source_key == source_key,
            VoucherRedemption.released_at.is_(None),
        )
    )


# -- the money overview: per day and category, by payment method ------------------------------

#: Payment method columns of the overview, in order; any other method (e.g. `moved`, which
#: nets to zero when a corrected invoice's payments move) is counted under `other`.
OVERVIEW_METHODS = ("bank_transfer", "card", "online_card", "cash", "other")
METHOD_LABELS = {
    "bank_transfer": "Bank transfer",
    "card": "Card on site",
    "online_card": "Card online",
    "cash": "Cash",
    "other": "Other",
}


@dataclass
class MoneyFigures:
    """Amounts of one day and category (or the grand total), in the congress currency."""

    invoiced: Decimal = ZERO  # invoices issued (gross)
    credited: Decimal = ZERO  # credit notes issued (positive)
    refunded: Decimal = ZERO  # money paid back (positive)
    outstanding: Decimal = ZERO  # still owed on the invoices issued that day
    waived: Decimal = ZERO  # fees waived: not money, shown apart
    by_method: dict[str, Decimal] | None = None

    def __post_init__(self):
        if self.by_method is None:
            self.by_method = dict.fromkeys(OVERVIEW_METHODS, ZERO)

    @property
    def received(self) -> Decimal:
        return sum(self.by_method.values(), ZERO)

    @property
    def paid(self) -> Decimal:
        """Money received less money paid back (the invoice CSV's `paid`)."""
        return self.received - self.refunded

    @property
    def net_invoiced(self) -> Decimal:
        """Invoices less credit notes (the invoice CSV's `gross` column summed)."""
        return self.invoiced - self.credited

    def add(self, other: MoneyFigures) -> None:
        self.invoiced += other.invoiced
        self.credited += other.credited
        self.refunded += other.refunded
        self.outstanding += other.outstanding
        self.waived += other.waived
        for method, amount in other.by_method.items():
            self.by_method[method] += amount


@dataclass
class MoneyOverview:
    currency: str
    #: ((day, category), figures), sorted by day then category.
    rows: list[tuple[tuple[date, str], MoneyFigures]]
    totals: MoneyFigures
    by_category: list[tuple[str, MoneyFigures]]


def _local_day(value, tz) -> date:
    from datetime import UTC

    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz).date()


def get_money_overview(
    congress: Congress,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    category_of=None,
    waivers=(),
) -> MoneyOverview:
    """Invoiced, credited, received by method, refunded, outstanding and waived per day (in the
    congress time zone) and category.

    Money never knows what was sold: `category_of(order_source, source_key)` names the
    category of a sale (the view builds it from registration's `get_category_labels`), and
    `waivers` are registration's `get_waivers` (a waiver never reaches money). Without a date
    range the totals equal the column sums of the accountant's invoice CSV.
    """
    tz = congress.tz
    category_of = category_of or (lambda source, key: source.capitalize() or "Other")
    invoices = list(
        db.session.scalars(
            select(Invoice)
            .where(Invoice.congress_id == congress.id)
            .options(selectinload(Invoice.order))
            .order_by(Invoice.id)
        )
    )
    by_id = {invoice.id: invoice for invoice in invoices}
    cells: dict[tuple[date, str], MoneyFigures] = {}

    def cell(day: date, category: str) -> MoneyFigures | None:
        if (date_from and day < date_from) or (date_to and day > date_to):
            return None
        return cells.setdefault((day, category), MoneyFigures())

    def category(invoice: Invoice) -> str:
        sale = by_id.get(invoice.corrects_id) if invoice.corrects_id else invoice
        return category_of(sale.order.source, sale.order.source_key)

    for row in get_rows(invoices):
        invoice = row.invoice
        target = cell(invoice.issue_date, category(invoice))
        if target is None:
            continue
        if invoice.kind == DocumentKind.INVOICE:
            target.invoiced += invoice.total_gross
            target.outstanding += row.outstanding
        else:
            target.credited -= invoice.total_gross
    payments = db.session.execute(
        select(
            InvoicePayment.invoice_id,
            InvoicePayment.received_at,
            InvoicePayment.method,
            InvoicePayment.amount,
        )
        .join(InvoicePayment.invoice)
        .where(Invoice.congress_id == congress.id)
    )
    for invoice_id, received_at, method, amount in payments:
        target = cell(_local_day(received_at, tz), category(by_id[invoice_id]))
        if target is None:
            continue
        if method == "refund":
            target.refunded -= amount
        else:
            key = method if method in OVERVIEW_METHODS else "other"
            target.by_method[key] += amount
    for waiver in waivers:
        target = cell(_local_day(waiver.recorded_at, tz), waiver.category)
        if target is not None:
            target.waived += waiver.amount
    rows = sorted(cells.items(), key=lambda item: item[0])
    totals = MoneyFigures()
    categories: dict[str, MoneyFigures] = {}
    for (_day, name), figures in rows:
        totals.add(figures)
        categories.setdefault(name, MoneyFigures()).add(figures)
    return MoneyOverview(
        currency=congress.currency,
        rows=rows,
        totals=totals,
        by_category=sorted(categories.items()),
    )
