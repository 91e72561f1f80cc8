"""Professional categories, their fees, registrations, payments and receipts."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy import (
    false as sa_false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.models import Base, TimestampMixin, utcnow
from conference.program.models import Congress


class FeePeriod(enum.StrEnum):
    """The fee in force depends on when a registration is made (closing dates on Congress)."""

    EARLY = "early"
    REGULAR = "regular"
    ONSITE = "onsite"

    @property
    def label(self) -> str:
        return {"early": _l("Early"), "regular": _l("Regular"), "onsite": _l("On-site")}[self.value]

    @property
    def fee_label(self) -> str:
        """The fee as a noun in a sentence ("early fee"), in the reader's language."""
        return {
            "early": _l("early fee"),
            "regular": _l("regular fee"),
            "onsite": _l("on-site fee"),
        }[self.value]


class RegistrationStatus(enum.StrEnum):
    AWAITING_VERIFICATION = "awaiting_verification"
    AWAITING_PAYMENT = "awaiting_payment"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            "awaiting_verification": _l("Awaiting verification"),
            "awaiting_payment": _l("Awaiting payment"),
            "confirmed": _l("Confirmed"),
            "waitlisted": _l("Waitlisted"),
            "cancelled": _l("Cancelled"),
        }[self.value]


#: Statuses that take a place from the congress and category capacity.
HOLDING_STATUSES = (
    RegistrationStatus.AWAITING_VERIFICATION,
    RegistrationStatus.AWAITING_PAYMENT,
    RegistrationStatus.CONFIRMED,
)
#: Statuses under which an email counts as registered (one active registration per email).
ACTIVE_STATUSES = (*HOLDING_STATUSES, RegistrationStatus.WAITLISTED)


class ProofStatus(enum.StrEnum):
    NOT_NEEDED = "not_needed"
    MISSING = "missing"
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class PaymentKind(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"
    CARD_ON_SITE = "card_on_site"
    CASH = "cash"
    WAIVED = "waived"
    ONLINE = "online"
    REFUND = "refund"

    @property
    def label(self) -> str:
        return {
            "bank_transfer": _l("Bank transfer"),
            "card_on_site": _l("Card on site"),
            "cash": _l("Cash"),
            "waived": _l("Waived"),
            "online": _l("Online payment"),
            "refund": _l("Refund"),
        }[self.value]


#: Kinds that are not money received from the attendee.
NOT_MONEY_RECEIVED = (PaymentKind.REFUND, PaymentKind.WAIVED)


class EnumString(TypeDecorator):
    """A StrEnum stored as plain text (with a CHECK), loaded back as the enum member."""

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[enum.StrEnum], length: int):
        super().__init__(length)
        self.enum_class = enum_class

    def process_bind_param(self, value, dialect):
        return None if value is None else str(self.enum_class(value))

    def process_result_value(self, value, dialect):
        return None if value is None else self.enum_class(value)


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


#: The usual professional categories and proof hints (the demo's, and the names organizers
#: mostly use), in the words each language's congresses use. A category named exactly so is
#: shown in the reader's language; any other name is organizer content, shown as written.
STANDARD_CATEGORY_TEXTS = {
    "Academician / professor": _l("Academician / professor"),
    "Oncologist": _l("Oncologist"),
    "Medical oncologist": _l("Medical oncologist"),
    "Radiation oncologist": _l("Radiation oncologist"),
    "Radiologist": _l("Radiologist"),
    "Chemotherapist": _l("Chemotherapist"),
    "Physician": _l("Physician"),
    "Physician / medical practitioner": _l("Physician / medical practitioner"),
    "Surgeon": _l("Surgeon"),
    "Breast cancer surgeon": _l("Breast cancer surgeon"),
    "Pathologist": _l("Pathologist"),
    "Diagnostic laboratory professional": _l("Diagnostic laboratory professional"),
    "Genetic scientist": _l("Genetic scientist"),
    "Healthcare professional": _l("Healthcare professional"),
    "Nurse": _l("Nurse"),
    "Oncology nurse": _l("Oncology nurse"),
    "Pharmacist": _l("Pharmacist"),
    "Cancer researcher": _l("Cancer researcher"),
    "Resident / trainee": _l("Resident / trainee"),
    "Student": _l("Student"),
    "Student / trainee": _l("Student / trainee"),
    "Industry professional": _l("Industry professional"),
    "Exhibitor": _l("Exhibitor"),
    "Patient advocate": _l("Patient advocate"),
    "Press": _l("Press"),
    "A letter from your head of department, dated within the last 6 months.": _l(
        "A letter from your head of department, dated within the last 6 months."
    ),
    "Proof of affiliation with a not-for-profit organization.": _l(
        "Proof of affiliation with a not-for-profit organization."
    ),
    "Press credentials.": _l("Press credentials."),
}


def standard_text(text: str) -> str:
    """`text` in the reader's language when it is a standard category text, else as written."""
    return str(STANDARD_CATEGORY_TEXTS.get(text, text))


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
    #: Places for this category (None: only the congress capacity limits it).
    capacity: Mapped[int | None]
    #: Kept from a refund when a registration of this category is cancelled in time.
    cancellation_fee: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0.00"))

    congress: Mapped[Congress] = relationship()
    fees: Mapped[list[CategoryFee]] = relationship(
        back_populates="category", cascade="all, delete-orphan", lazy="selectin"
    )

    def _text(self, field: str, standard: bool = True) -> str:
        """A field in the reader's language: the organizer's translation (conference.content),
        else a standard text in that language, else as written in the main language."""
        from conference.content.services import translated

        own = getattr(self, field) or ""
        default = standard_text(own) if standard and own else own
        if self.id is None:
            return default
        return translated(self.congress, "category", self.id, field, default)

    @property
    def display_name(self) -> str:
        """The name in the reader's language (organizer's translation or standard name), else
        as the organizer wrote it."""
        return self._text("name")

    @property
    def display_description(self) -> str:
        return self._text("description", standard=False)

    @property
    def display_proof_hint(self) -> str:
        return self._text("proof_hint") if self.proof_hint else ""

    def fee_for(self, period: FeePeriod) -> Decimal | None:
        for fee in self.fees:
            if fee.period == period:
                return fee.amount
        return None

    def __repr__(self) -> str:
        return f"<ProfessionalCategory {self.slug}>"


class CategoryFee(Base):
    """The amount a category pays in one fee period (in the congress currency)."""

    __tablename__ = "registration_fees"
    __table_args__ = (
        UniqueConstraint("category_id", "period"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint(_in("period", FeePeriod), name="period_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("professional_categories.id", ondelete="CASCADE")
    )
    period: Mapped[FeePeriod] = mapped_column(EnumString(FeePeriod, 10))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))

    category: Mapped[ProfessionalCategory] = relationship(back_populates="fees")

    def __repr__(self) -> str:
        return f"<CategoryFee {self.category_id} {self.period} {self.amount}>"


class RegistrationSettings(Base):
    """Per-congress registration rules; its row serializes the waiting list's changes.

    Places themselves are taken on `PlaceCounter` rows (capacity.py). Filling the waiting
    list, expiry, cancellation and releases of group places lock this row first (SELECT ...
    FOR UPDATE on PostgreSQL, a write on SQLite), so a freed place is offered once; a plain
    registration never locks it. The receipt counter lives here too (gapless numbers).
    """

    __tablename__ = "registration_settings"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("payment_days > 0", name="payment_days_positive"),
        CheckConstraint("offer_hours > 0", name="offer_hours_positive"),
        CheckConstraint("proof_hours > 0", name="proof_hours_positive"),
        CheckConstraint("invoice_reminder_days > 0", name="invoice_reminder_days_positive"),
        CheckConstraint("visa_retention_days >= 0", name="visa_retention_days_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), unique=True
    )
    #: Places for the whole congress (None: unlimited).
    capacity: Mapped[int | None]
    #: Days an unpaid registration holds its place before it expires.
    payment_days: Mapped[int] = mapped_column(default=14)
    #: Hours a waiting-list offer stays open.
    offer_hours: Mapped[int] = mapped_column(default=72)
    #: Hours a place is held for a registrant whose proof of status is missing or was refused
    #: (they are reminded before it is given back).
    proof_hours: Mapped[int] = mapped_column(default=48, server_default="48")
    #: Days before an unpaid invoice's due date (the end of its held place) to remind the buyer.
    invoice_reminder_days: Mapped[int] = mapped_column(default=5, server_default="5")
    #: Bumped by every locked change (the lock itself on SQLite).
    lock_version: Mapped[int] = mapped_column(default=0)
    #: Last receipt number issued (gapless per congress).
    last_receipt_number: Mapped[int] = mapped_column(default=0)
    #: Who signs the visa invitation letters (name, then title or function).
    visa_signatory_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    visa_signatory_title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: Days after the congress's last day when passport data of visa requests is erased.
    visa_retention_days: Mapped[int] = mapped_column(default=30, server_default="30")
    #: Group orders: delegates can be named until this many days before the congress starts.
    group_deadline_days: Mapped[int] = mapped_column(default=14, server_default="14")
    #: Group buyers may cancel their whole order themselves until the naming deadline.
    group_buyer_can_cancel: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    congress: Mapped[Congress] = relationship()

    def __repr__(self) -> str:
        return f"<RegistrationSettings congress={self.congress_id} capacity={self.capacity}>"


class Registration(TimestampMixin, Base):
    """One person's registration to a congress (an account is optional)."""

    __tablename__ = "registrations"
    __table_args__ = (
        CheckConstraint(_in("status", RegistrationStatus), name="status_known"),
        CheckConstraint(_in("proof_status", ProofStatus), name="proof_status_known"),
        CheckConstraint(_in("fee_period", FeePeriod), name="fee_period_known"),
        CheckConstraint("fee_amount >= 0", name="fee_not_negative"),
        # One active registration per email and congress (email_key is the lower-cased email).
        Index(
            "uq_registrations_active_email",
            "congress_id",
            "email_key",
            unique=True,
            postgresql_where=text(_in("status", ACTIVE_STATUSES)),
            sqlite_where=text(_in("status", ACTIVE_STATUSES)),
        ),
        Index("ix_registrations_congress_status", "congress_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    #: Short public reference, e.g. MET26-7K3Q.
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    #: Random salt of the private manage token: the token is an HMAC of the reference and this
    #: salt under SECRET_KEY, so the database alone never reveals a working link.
    manage_salt: Mapped[str] = mapped_column(String(32))
    #: Client-chosen key making a repeated submission (double-click) return the first result.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    category_id: Mapped[int] = mapped_column(ForeignKey("professional_categories.id"))
    status: Mapped[RegistrationStatus] = mapped_column(EnumString(RegistrationStatus, 30))

    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    #: Lower-cased email for the uniqueness rule (NULL once erased).
    email_key: Mapped[str | None] = mapped_column(String(254))
    affiliation: Mapped[str] = mapped_column(String(300), default="")
    #: Language of the registrant's emails and badge (the one they registered in).
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    #: ISO 3166-1 alpha-2 (kept after erasure for anonymous counts).
    country: Mapped[str] = mapped_column(String(2), default="")
    badge_name: Mapped[str] = mapped_column(String(100), default="")
    dietary: Mapped[str] = mapped_column(String(500), default="")
    accessibility: Mapped[str] = mapped_column(String(500), default="")
    share_with_exhibitors: Mapped[bool] = mapped_column(default=False)
    terms_accepted_at: Mapped[datetime]
    #: When the registrant first opened the private link emailed to them: until then anyone
    #: could have typed this address, so a new registration for it replaces this one.
    email_confirmed_at: Mapped[datetime | None]

    #: Fee in force when the registration was made.
    fee_period: Mapped[FeePeriod] = mapped_column(EnumString(FeePeriod, 10))
    fee_amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3))
    #: The voucher code used at registration and what it took off the category's fee
    #: (`fee_amount` is the price after it); the money domain keeps the use.
    voucher_code: Mapped[str | None] = mapped_column(String(40))
    voucher_discount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))

    #: An unpaid registration gives its place back after this moment.
    expires_at: Mapped[datetime | None]
    waitlisted_at: Mapped[datetime | None]
    offered_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")

    proof_status: Mapped[ProofStatus] = mapped_column(
        EnumString(ProofStatus, 12), default=ProofStatus.NOT_NEEDED
    )
    #: Random name of the stored proof: key `registration-proofs/<name>` in conference.storage.
    proof_file: Mapped[str | None] = mapped_column(String(200))
    proof_filename: Mapped[str] = mapped_column(String(200), default="")
    proof_content_type: Mapped[str] = mapped_column(String(50), default="")
    proof_uploaded_at: Mapped[datetime | None]
    proof_checked_at: Mapped[datetime | None]
    proof_checked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    proof_refusal_reason: Mapped[str] = mapped_column(String(500), default="")

    checked_in_at: Mapped[datetime | None]
    checked_in_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    erasure_requested_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]
    #: The buyer asked to pay by invoice (issued by the money domain; its due date is
    #: `expires_at` while the place is held).
    invoice_requested_at: Mapped[datetime | None]

    congress: Mapped[Congress] = relationship()
    category: Mapped[ProfessionalCategory] = relationship()
    payments: Mapped[list[Payment]] = relationship(
        back_populates="registration", order_by="Payment.id", cascade="all, delete-orphan"
    )
    receipts: Mapped[list[Receipt]] = relationship(
        back_populates="registration", order_by="Receipt.number"
    )
    visa_request: Mapped[VisaRequest | None] = relationship(
        back_populates="registration", cascade="all, delete-orphan", uselist=False
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_badge_name(self) -> str:
        return self.badge_name or self.full_name

    @property
    def amount_paid(self) -> Decimal:
        """Money paid, less refunds (a waiver is not money and is never refunded)."""
        total = Decimal("0.00")
        for payment in self.payments:
            if payment.kind == PaymentKind.REFUND:
                total -= payment.amount
            elif payment.kind != PaymentKind.WAIVED:
                total += payment.amount
        return total

    @property
    def amount_received(self) -> Decimal:
        """Money received (refunds not deducted; waivers not included)."""
        return sum(
            (p.amount for p in self.payments if p.kind not in NOT_MONEY_RECEIVED), Decimal("0.00")
        )

    @property
    def amount_waived(self) -> Decimal:
        return sum(
            (p.amount for p in self.payments if p.kind == PaymentKind.WAIVED), Decimal("0.00")
        )

    @property
    def amount_due(self) -> Decimal:
        if self.status == RegistrationStatus.CANCELLED:
            return Decimal("0.00")
        settled = self.amount_received + self.amount_waived
        return max(self.fee_amount - settled, Decimal("0.00"))

    @property
    def list_fee(self) -> Decimal:
        """The category's fee before the voucher (the fee itself without one)."""
        return self.fee_amount + (self.voucher_discount or Decimal("0.00"))

    @property
    def is_email_unconfirmed(self) -> bool:
        """Nobody has shown they own the address yet: the emailed link was never opened, and
        no payment or check-in vouches for the person."""
        return self.email_confirmed_at is None and not self.payments and not self.checked_in_at

    @property
    def is_fully_paid(self) -> bool:
        return self.status == RegistrationStatus.CONFIRMED and self.amount_due == 0

    @property
    def holds_place(self) -> bool:
        return self.status in HOLDING_STATUSES

    def __repr__(self) -> str:
        return f"<Registration {self.reference} {self.status}>"


class Payment(Base):
    """Money received (or waived, or refunded) for a registration, recorded by an organizer."""

    __tablename__ = "registration_payments"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint(_in("kind", PaymentKind), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[PaymentKind] = mapped_column(EnumString(PaymentKind, 20))
    #: Always positive; a refund's kind says it goes back to the attendee.
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3))
    #: Bank reference, card slip number, reason for a waiver.
    note: Mapped[str] = mapped_column(String(300), default="")
    #: Makes a repeated submission of the same payment form record it once.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="payments")

    def __repr__(self) -> str:
        return f"<Payment {self.kind} {self.amount} {self.currency}>"


class Receipt(Base):
    """A numbered receipt for a fully paid registration (numbers gapless per congress)."""

    __tablename__ = "registration_receipts"
    __table_args__ = (UniqueConstraint("congress_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="receipts")

    @property
    def label(self) -> str:
        return f"{self.registration.congress.short_name}-R{self.number:05d}"

    def __repr__(self) -> str:
        return f"<Receipt {self.number}>"


class VisaRequest(Base):
    """An attendee's request for a visa invitation letter, with the passport data it needs.

    Kept apart from the registration: asked only on request, and erased with the registration
    or after the congress (`visa.purge_expired_visa_data`).
    """

    __tablename__ = "registration_visa_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    passport_number: Mapped[str] = mapped_column(String(20))
    #: ISO 3166-1 alpha-2 of the passport's issuing country.
    nationality: Mapped[str] = mapped_column(String(2))
    date_of_birth: Mapped[date]
    #: Printed on the letter: a consulate checks it at /verify/visa/<code>.
    verification_code: Mapped[str] = mapped_column(String(32), unique=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="visa_request")

    def __repr__(self) -> str:
        return f"<VisaRequest registration={self.registration_id}>"


class UserCategory(Base):
    """The professional category a person keeps on their account (registration asks again)."""

    __tablename__ = "user_categories"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(
        ForeignKey("professional_categories.id", ondelete="CASCADE"), index=True
    )

    category: Mapped[ProfessionalCategory] = relationship()

    def __repr__(self) -> str:
        return f"<UserCategory user={self.user_id} category={self.category_id}>"


class GroupOrder(TimestampMixin, Base):
    """A buyer's order of several places, on one invoice; delegates are named later."""

    __tablename__ = "registration_group_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    #: Public reference (like a registration's); the invoice's source key.
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    #: Salt of the buyer's private manage token (HMAC, nothing else stored).
    manage_salt: Mapped[str] = mapped_column(String(32))
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_email: Mapped[str] = mapped_column(String(254))
    #: The payer is industry paying for healthcare professionals (transparency reports).
    is_industry: Mapped[bool] = mapped_column(default=False)
    #: Unfilled places are kept (not released) at the naming deadline.
    keep_unfilled: Mapped[bool] = mapped_column(default=False)
    invoice_number: Mapped[str | None] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    paid_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]
    #: The organizers cancelled the whole order (delegates cancelled, invoice credited).
    cancelled_at: Mapped[datetime | None]

    congress: Mapped[Congress] = relationship()
    places: Mapped[list[GroupPlace]] = relationship(
        back_populates="order", order_by="GroupPlace.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<GroupOrder {self.reference} {self.buyer_name!r}>"


class GroupPlace(Base):
    """One place of a group order: held while unnamed, then a delegate's registration."""

    __tablename__ = "registration_group_places"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("registration_group_orders.id", ondelete="CASCADE")
    )
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("professional_categories.id"))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    fee_period: Mapped[FeePeriod] = mapped_column(EnumString(FeePeriod, 10))
    #: The delegate's registration once named (it then holds the place itself).
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), unique=True
    )
    #: Set when the unnamed place was given back at the deadline.
    released_at: Mapped[datetime | None]

    order: Mapped[GroupOrder] = relationship(back_populates="places")
    category: Mapped[ProfessionalCategory] = relationship()
    registration: Mapped[Registration | None] = relationship()

    @property
    def is_held(self) -> bool:
        """An unnamed place still counted against capacity."""
        return self.registration_id is None and self.released_at is None

    def __repr__(self) -> str:
        return f"<GroupPlace order={self.order_id} category={self.category_id}>"


class PlaceCounter(Base):
    """Places taken in one category of a congress (`category_id` set), or in the whole
    congress (`category_id` NULL: kept only while the congress has a total capacity).

    Taking a place is one conditional UPDATE of the category's row, then of the congress's
    (capacity.take_places); freeing one decrements them in the same transaction. The counts
    are places held by registrations in HOLDING_STATUSES plus unnamed, unreleased group places
    (capacity.count_places gives the same figures with COUNT(*); `flask registration
    recount-places` compares them).
    """

    __tablename__ = "registration_place_counters"
    __table_args__ = (
        CheckConstraint("taken >= 0", name="taken_not_negative"),
        UniqueConstraint("congress_id", "category_id"),
        Index(
            "uq_registration_place_counters_congress_total",
            "congress_id",
            unique=True,
            postgresql_where=text("category_id IS NULL"),
            sqlite_where=text("category_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("professional_categories.id", ondelete="CASCADE")
    )
    taken: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return (
            f"<PlaceCounter congress={self.congress_id} category={self.category_id} {self.taken}>"
        )
