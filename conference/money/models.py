"""Money: the seller profile, orders, invoices and credit notes, their numbering and payments.

The money domain knows amounts and buyers, never what is bought: registration, abstracts and
industry hand it order lines (item type, description, quantity, unit price).

An issued invoice or credit note is a snapshot: the seller's and buyer's details, every line
and every total are copied onto it when it is issued and never change afterwards (the service
refuses, and a database trigger refuses an UPDATE; see migrations). Credit notes are rows of
the same table (kind ``credit_note``) with negative amounts, referring to the invoice they
correct, numbered in their own series.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from conference.errors import Conflict
from conference.models import Base, TimestampMixin, utcnow
from conference.program.models import Congress

Money = Numeric(10, 2)
#: VAT rates in percent, e.g. 20.00 or 5.50.
Rate = Numeric(5, 2)


class ItemType(enum.StrEnum):
    """What an order line is for; each type has its own VAT rate per congress."""

    REGISTRATION = "registration"
    ABSTRACT_FEE = "abstract_fee"
    SPONSORSHIP = "sponsorship"

    @property
    def label(self) -> str:
        return {
            "registration": _l("Registration"),
            "abstract_fee": _l("Abstract fee"),
            "sponsorship": _l("Sponsorship"),
        }[self.value]


class OrderStatus(enum.StrEnum):
    OPEN = "open"
    INVOICED = "invoiced"
    CANCELLED = "cancelled"


class DocumentKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"

    @property
    def label(self) -> str:
        return _l("Invoice") if self is DocumentKind.INVOICE else _l("Credit note")


class VatIdCheck(enum.StrEnum):
    """What the offline check (format and check digits, python-stdnum) said of a buyer VAT id."""

    NONE = "none"
    #: An EU VAT id whose format and check digits are valid.
    VALID = "valid"
    #: A VAT id of a country outside the EU: kept as given, no offline check exists.
    UNCHECKED = "unchecked"


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class SellerProfile(TimestampMixin, Base):
    """The organizer's legal entity, bank details and VAT settings for one congress."""

    __tablename__ = "money_seller_profiles"
    __table_args__ = (
        CheckConstraint("payment_terms_days >= 0", name="payment_terms_not_negative"),
        CheckConstraint(
            "vat_rate_registration >= 0 AND vat_rate_abstract_fee >= 0 "
            "AND vat_rate_sponsorship >= 0",
            name="vat_rates_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), unique=True
    )
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    #: Street, postcode and city, one per line (the country is separate).
    address: Mapped[str] = mapped_column(Text, default="")
    #: ISO 3166-1 alpha-2 of the seller's establishment (decides reverse charge).
    country: Mapped[str] = mapped_column(String(2), default="")
    vat_id: Mapped[str] = mapped_column(String(20), default="")
    registration_number: Mapped[str] = mapped_column(String(60), default="")
    account_holder: Mapped[str] = mapped_column(String(200), default="")
    iban: Mapped[str] = mapped_column(String(34), default="")
    bic: Mapped[str] = mapped_column(String(11), default="")
    bank_name: Mapped[str] = mapped_column(String(200), default="")
    #: Days between issue date and due date, printed as the payment terms.
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    #: Fees are VAT-inclusive (gross fixed, net derived): the usual EU B2C congress fee.
    prices_include_vat: Mapped[bool] = mapped_column(Boolean, default=True)
    vat_rate_registration: Mapped[Decimal] = mapped_column(Rate, default=Decimal("20.00"))
    vat_rate_abstract_fee: Mapped[Decimal] = mapped_column(Rate, default=Decimal("20.00"))
    vat_rate_sponsorship: Mapped[Decimal] = mapped_column(Rate, default=Decimal("20.00"))
    #: Code of the default invoice series, e.g. MET26 (numbers read MET26-2026-00042).
    invoice_series: Mapped[str] = mapped_column(String(20), default="INV")

    congress: Mapped[Congress] = relationship()

    def vat_rate_for(self, item_type: str) -> Decimal:
        return {
            ItemType.REGISTRATION: self.vat_rate_registration,
            ItemType.ABSTRACT_FEE: self.vat_rate_abstract_fee,
            ItemType.SPONSORSHIP: self.vat_rate_sponsorship,
        }[ItemType(item_type)]

    @property
    def is_complete(self) -> bool:
        """Everything an invoice must carry about the seller is filled in."""
        return all((self.legal_name, self.address, self.country, self.vat_id, self.iban))

    def __repr__(self) -> str:
        return f"<SellerProfile congress={self.congress_id} {self.legal_name!r}>"


class InvoiceSeries(Base):
    """A numbering series of a congress (e.g. MET26 for fees, MET26S for sponsorship)."""

    __tablename__ = "money_invoice_series"
    __table_args__ = (UniqueConstraint("congress_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20))

    def __repr__(self) -> str:
        return f"<InvoiceSeries {self.code}>"


class SeriesCounter(Base):
    """The last number used in a series for one kind of document and year.

    Issuing increments it with one UPDATE (which holds the row lock until commit), so two
    concurrent issues never share a number and a rolled-back issue leaves no gap.
    """

    __tablename__ = "money_series_counters"
    __table_args__ = (
        UniqueConstraint("series_id", "kind", "year"),
        CheckConstraint(_in("kind", DocumentKind), name="kind_known"),
        CheckConstraint("last_number >= 0", name="last_number_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(
        ForeignKey("money_invoice_series.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<SeriesCounter {self.series_id} {self.kind} {self.year}: {self.last_number}>"


class Order(TimestampMixin, Base):
    """What a buyer owes, as lines handed in by the domain that sells (registration, ...)."""

    __tablename__ = "money_orders"
    __table_args__ = (CheckConstraint(_in("status", OrderStatus), name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    #: Who sells through this order ("registration", "abstracts", "industry") and its key there.
    source: Mapped[str] = mapped_column(String(40), default="")
    source_key: Mapped[str] = mapped_column(String(80), default="", index=True)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.OPEN)
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_address: Mapped[str] = mapped_column(Text, default="")
    buyer_country: Mapped[str] = mapped_column(String(2), default="")
    buyer_vat_id: Mapped[str] = mapped_column(String(20), default="")
    buyer_email: Mapped[str] = mapped_column(String(254), default="")

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.position", cascade="all, delete-orphan"
    )
    invoices: Mapped[list[Invoice]] = relationship(back_populates="order")

    def __repr__(self) -> str:
        return f"<Order {self.id} {self.source}:{self.source_key} {self.status}>"


class OrderLine(Base):
    __tablename__ = "money_order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint(_in("item_type", ItemType), name="item_type_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("money_orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    item_type: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    #: Gross when the congress's prices include VAT, net otherwise.
    unit_price: Mapped[Decimal] = mapped_column(Money)

    order: Mapped[Order] = relationship(back_populates="lines")

    def __repr__(self) -> str:
        return f"<OrderLine {self.quantity} x {self.description!r} {self.unit_price}>"


class Invoice(Base):
    """An issued invoice or credit note: an immutable snapshot with a gapless number."""

    __tablename__ = "money_invoices"
    __table_args__ = (
        UniqueConstraint("congress_id", "number"),
        UniqueConstraint("series_id", "kind", "year", "sequence"),
        CheckConstraint(_in("kind", DocumentKind), name="kind_known"),
        CheckConstraint(_in("buyer_vat_id_check", VatIdCheck), name="vat_id_check_known"),
        CheckConstraint(
            "(kind = 'invoice' AND corrects_id IS NULL) "
            "OR (kind = 'credit_note' AND corrects_id IS NOT NULL)",
            name="credit_note_refers",
        ),
        # Compared to the cent: SQLite keeps NUMERIC as a float.
        CheckConstraint("abs(total_gross - total_net - total_vat) < 0.005", name="totals_add_up"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("money_orders.id"))
    series_id: Mapped[int] = mapped_column(ForeignKey("money_invoice_series.id"))
    kind: Mapped[str] = mapped_column(String(20), default=DocumentKind.INVOICE)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(40))
    #: The invoice a credit note corrects or cancels.
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("money_invoices.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issue_date: Mapped[date]
    due_date: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    # The seller as it was at issue.
    seller_name: Mapped[str] = mapped_column(String(200))
    seller_address: Mapped[str] = mapped_column(Text)
    seller_country: Mapped[str] = mapped_column(String(2))
    seller_vat_id: Mapped[str] = mapped_column(String(20))
    seller_registration_number: Mapped[str] = mapped_column(String(60), default="")
    bank_account_holder: Mapped[str] = mapped_column(String(200), default="")
    bank_iban: Mapped[str] = mapped_column(String(34), default="")
    bank_bic: Mapped[str] = mapped_column(String(11), default="")
    bank_name: Mapped[str] = mapped_column(String(200), default="")
    # The buyer as it was at issue.
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_address: Mapped[str] = mapped_column(Text, default="")
    buyer_country: Mapped[str] = mapped_column(String(2), default="")
    buyer_vat_id: Mapped[str] = mapped_column(String(20), default="")
    buyer_email: Mapped[str] = mapped_column(String(254), default="")
    #: The offline check of buyer_vat_id (format and check digits), recorded at issue.
    buyer_vat_id_check: Mapped[str] = mapped_column(String(10), default=VatIdCheck.NONE)
    is_reverse_charge: Mapped[bool] = mapped_column(Boolean, default=False)
    prices_include_vat: Mapped[bool] = mapped_column(Boolean, default=True)
    payment_terms: Mapped[str] = mapped_column(Text, default="")
    #: Legal mentions printed on the document (reverse charge, ...).
    legal_mention: Mapped[str] = mapped_column(Text, default="")
    #: Why a credit note was issued (cancellation, refund, correction).
    reason: Mapped[str] = mapped_column(String(300), default="")
    total_net: Mapped[Decimal] = mapped_column(Money)
    total_vat: Mapped[Decimal] = mapped_column(Money)
    total_gross: Mapped[Decimal] = mapped_column(Money)
    #: The language the document is written in (its lines, terms and mentions were written
    #: in it at issue; its PDF is printed in it, so a reprint is identical).
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")

    order: Mapped[Order] = relationship(back_populates="invoices")
    series: Mapped[InvoiceSeries] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position"
    )
    corrects: Mapped[Invoice | None] = relationship(remote_side=[id], back_populates="credit_notes")
    credit_notes: Mapped[list[Invoice]] = relationship(
        back_populates="corrects", order_by="Invoice.id"
    )
    payments: Mapped[list[InvoicePayment]] = relationship(
        back_populates="invoice", order_by="InvoicePayment.id"
    )

    @property
    def is_credit_note(self) -> bool:
        return self.kind == DocumentKind.CREDIT_NOTE

    @property
    def kind_label(self) -> str:
        return DocumentKind(self.kind).label

    def __repr__(self) -> str:
        return f"<Invoice {self.number} {self.kind} {self.total_gross} {self.currency}>"


class InvoiceLine(Base):
    """One line of an issued invoice or credit note (amounts negative on a credit note)."""

    __tablename__ = "money_invoice_lines"
    __table_args__ = (
        CheckConstraint(
            "abs(gross_amount - net_amount - vat_amount) < 0.005", name="amounts_add_up"
        ),
        CheckConstraint("vat_rate >= 0", name="vat_rate_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("money_invoices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    item_type: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    net_amount: Mapped[Decimal] = mapped_column(Money)
    vat_rate: Mapped[Decimal] = mapped_column(Rate)
    vat_amount: Mapped[Decimal] = mapped_column(Money)
    gross_amount: Mapped[Decimal] = mapped_column(Money)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")

    def __repr__(self) -> str:
        return f"<InvoiceLine {self.description!r} {self.net_amount} + {self.vat_amount}>"


class InvoicePayment(Base):
    """Money received against an invoice (negative: money paid back on a refund)."""

    __tablename__ = "money_invoice_payments"
    __table_args__ = (CheckConstraint("amount <> 0", name="amount_not_zero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("money_invoices.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Money)
    #: bank_transfer, card, cash, refund, ...
    method: Mapped[str] = mapped_column(String(30))
    reference: Mapped[str] = mapped_column(String(120), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    invoice: Mapped[Invoice] = relationship(back_populates="payments")

    def __repr__(self) -> str:
        return f"<InvoicePayment {self.invoice_id} {self.amount} {self.method}>"


class InvoiceDocument(Base):
    """The PDF of an invoice as first rendered, kept with its SHA-256 and served as stored."""

    __tablename__ = "money_invoice_documents"

    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("money_invoices.id", ondelete="CASCADE"), primary_key=True
    )
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<InvoiceDocument {self.invoice_id} {self.sha256[:12]}>"


# -- vouchers -----------------------------------------------------------------------------------


class VoucherKind(enum.StrEnum):
    """What a voucher takes off the price."""

    PERCENT = "percent"
    FIXED = "fixed"
    FREE_PLACE = "free_place"

    @property
    def label(self) -> str:
        return {
            "percent": _l("Percent off"),
            "fixed": _l("Amount off"),
            "free_place": _l("Free place"),
        }[self.value]


class Voucher(TimestampMixin, Base):
    """A code that reduces a price (percent or fixed amount) or makes it free, a number of
    times, within a validity window, for some of the seller's items (registration categories).

    `uses` is the counter that decides: it only grows through a conditional UPDATE
    (``uses = uses + 1 WHERE uses < max_uses``), so concurrent redemptions cannot exceed
    `max_uses`; the CHECK constraint is the last line.
    """

    __tablename__ = "money_vouchers"
    __table_args__ = (
        CheckConstraint(_in("kind", VoucherKind), name="kind_known"),
        CheckConstraint("max_uses >= 1", name="max_uses_positive"),
        CheckConstraint("uses >= 0 AND uses <= max_uses", name="uses_within_max"),
        CheckConstraint(
            "(kind != 'percent' OR (percent > 0 AND percent <= 100))", name="percent_range"
        ),
        CheckConstraint("(kind != 'fixed' OR amount > 0)", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True
    )
    #: Upper-case, from an unambiguous alphabet; unique across congresses (typed by people).
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    percent: Mapped[Decimal | None] = mapped_column(Rate)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    #: The seller's item keys it applies to (registration category ids); empty: any.
    category_ids: Mapped[list] = mapped_column(JSON, default=list)
    max_uses: Mapped[int] = mapped_column(Integer, default=1)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    #: The batch's label (e.g. "Invited faculty") and prefix; one voucher may have a label too.
    label: Mapped[str] = mapped_column(String(100), default="", index=True)
    prefix: Mapped[str] = mapped_column(String(12), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Set while an organizer has switched the code off: it is refused until re-enabled.
    disabled_at: Mapped[datetime | None]

    congress: Mapped[Congress] = relationship()
    redemptions: Mapped[list[VoucherRedemption]] = relationship(
        back_populates="voucher",
        order_by="VoucherRedemption.id",
        cascade="all, delete-orphan",
    )

    @property
    def kind_label(self) -> str:
        return VoucherKind(self.kind).label

    @property
    def value_text(self) -> str:
        """What it takes off, for lists and exports: "20 %", "100.00 EUR", "free place"."""
        if self.kind == VoucherKind.PERCENT:
            return f"{self.percent.normalize():f} %"
        if self.kind == VoucherKind.FIXED:
            return f"{self.amount} {self.currency}"
        return "free place"

    @property
    def uses_left(self) -> int:
        return max(self.max_uses - self.uses, 0)

    @property
    def is_disabled(self) -> bool:
        return self.disabled_at is not None

    def __repr__(self) -> str:
        return f"<Voucher {self.code} {self.kind} {self.uses}/{self.max_uses}>"


class VoucherRedemption(Base):
    """One use of a voucher by a sale (`source`, `source_key`), with the discount it gave.
    A released use (the sale was cancelled) keeps its row with `released_at`."""

    __tablename__ = "money_voucher_redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(
        ForeignKey("money_vouchers.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(40))
    source_key: Mapped[str] = mapped_column(String(80), index=True)
    fee: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(Money)
    redeemed_at: Mapped[datetime]
    released_at: Mapped[datetime | None]

    voucher: Mapped[Voucher] = relationship(back_populates="redemptions")

    def __repr__(self) -> str:
        return f"<VoucherRedemption {self.voucher_id} {self.source}:{self.source_key}>"


# -- online card payment (the provider flow, conference.money.card) ------------------------------


class CardCheckoutStatus(enum.StrEnum):
    OPEN = "open"
    PAID = "paid"
    #: Paid when the sale no longer took the money (expired, cancelled, paid another way):
    #: given back through the provider.
    REFUNDED = "refunded"
    #: As above, but the automatic refund failed: an organizer refunds it.
    NEEDS_REFUND = "needs_refund"


class CardCheckout(Base):
    """One card payment attempt at the provider (a Stripe Checkout Session) for an amount
    owed on a sale (`source`, `source_key`: a registration, an abstract fee, ...).

    With `invoice_id` it pays that invoice (recorded with `record_invoice_payment`); without,
    the selling domain records the money on its side when `payment_recorded` tells it.
    """

    __tablename__ = "money_card_checkouts"
    __table_args__ = (
        UniqueConstraint("provider", "session_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("refunded_amount >= 0", name="refunded_not_negative"),
        CheckConstraint("refunded_amount <= amount", name="refunded_at_most_amount"),
        CheckConstraint(_in("status", CardCheckoutStatus), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True
    )
    #: The sale paid for, as the selling domain names it (like an order's source and key).
    source: Mapped[str] = mapped_column(String(40), default="")
    source_key: Mapped[str] = mapped_column(String(80), default="", index=True)
    #: The invoice paid, when the card pays an issued invoice (an abstract fee).
    invoice_id: Mapped[int | None] = mapped_column(
        ForeignKey("money_invoices.id", ondelete="RESTRICT"), index=True
    )
    provider: Mapped[str] = mapped_column(String(20))
    #: The provider's id of the attempt (Stripe: the Checkout Session id, cs_...).
    session_id: Mapped[str] = mapped_column(String(255))
    #: The provider's id of the money movement, needed to refund it (Stripe: pi_...).
    payment_reference: Mapped[str] = mapped_column(String(255), default="")
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default=CardCheckoutStatus.OPEN)
    #: Given back through the provider so far (or promised: a refund waiting for the provider).
    refunded_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    #: Why the payment was not applied (a late payment refunded, a refund that failed).
    note: Mapped[str] = mapped_column(String(300), default="")

    invoice: Mapped[Invoice | None] = relationship()

    @property
    def client_reference(self) -> str:
        """What the provider's events must name: the invoice number, else the sale's key."""
        return self.invoice.number if self.invoice is not None else self.source_key

    def __repr__(self) -> str:
        return f"<CardCheckout {self.provider} {self.session_id} {self.status}>"


#: The name the invoice pages knew it by.
InvoiceCheckout = CardCheckout


class CardRefundStatus(enum.StrEnum):
    #: Written (with its credit note) before the provider is asked.
    PENDING = "pending"
    REFUNDED = "refunded"
    #: The provider refused or could not be reached: an organizer retries it.
    NEEDS_REFUND = "needs_refund"


class CardRefund(Base):
    """Money going back to a card through the provider, for a credit note issued from the
    invoice pages. Written before the provider is asked (so the credit note is never lost),
    with a key the provider keeps in its metadata (so a retry never refunds twice)."""

    __tablename__ = "money_card_refunds"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(_in("status", CardRefundStatus), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True
    )
    checkout_id: Mapped[int] = mapped_column(
        ForeignKey("money_card_checkouts.id", ondelete="RESTRICT"), index=True
    )
    #: The credit note the refund belongs to.
    credit_note_id: Mapped[int | None] = mapped_column(
        ForeignKey("money_invoices.id", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default=CardRefundStatus.PENDING)
    #: The provider's id of the refund once made (Stripe: re_...).
    provider_refund_id: Mapped[str] = mapped_column(String(255), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    refunded_at: Mapped[datetime | None]

    checkout: Mapped[CardCheckout] = relationship()
    credit_note: Mapped[Invoice | None] = relationship()

    @property
    def refund_key(self) -> str:
        return f"card-refund:{self.id}"

    def __repr__(self) -> str:
        return f"<CardRefund {self.checkout_id} {self.amount} {self.status}>"


class ProviderEvent(Base):
    """A provider notification already handled: a replayed event id is ignored."""

    __tablename__ = "money_provider_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(80), default="")
    outcome: Mapped[str] = mapped_column(String(40), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ProviderEvent {self.provider} {self.event_id} {self.outcome}>"


# -- immutability -------------------------------------------------------------------------------


class InvoiceImmutable(Conflict):
    code = "invoice_immutable"


IMMUTABLE_MESSAGE = (
    "An issued invoice or credit note never changes: issue a credit note to correct or cancel it."
)


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_issued_invoices(session, flush_context, instances):
    """No flush changes or deletes an issued invoice or its lines, whoever tries."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Invoice | InvoiceLine | InvoiceDocument) and (
            obj in session.deleted or session.is_modified(obj, include_collections=False)
        ):
            raise InvoiceImmutable(IMMUTABLE_MESSAGE)
    for obj in session.new:
        if isinstance(obj, InvoiceLine) and obj.invoice is not None:
            state = inspect(obj.invoice)
            if state.persistent:
                raise InvoiceImmutable(IMMUTABLE_MESSAGE)


class BankStatementLine(Base):
    """A bank statement line already imported, by its hash: importing the same statement
    again records nothing twice."""

    __tablename__ = "money_bank_statement_lines"
    __table_args__ = (UniqueConstraint("congress_id", "line_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    #: SHA-256 of the normalized line and its occurrence among identical lines of its file.
    line_hash: Mapped[str] = mapped_column(String(64))
    booked_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    remittance: Mapped[str] = mapped_column(String(300), default="")
    payer: Mapped[str] = mapped_column(String(200), default="")
    #: The registration reference or invoice number the payment was recorded on.
    matched_to: Mapped[str] = mapped_column(String(40), default="")
    recorded_amount: Mapped[Decimal] = mapped_column(Money)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<BankStatementLine {self.booked_on} {self.amount} {self.matched_to}>"
