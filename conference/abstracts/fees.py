"""The optional fee per submitted abstract: who owes it, waivers, and its invoice.

The abstracts domain owns the status (`Abstract.fee_status`); money issues the invoice
(`source="abstract_fee"`, key = the abstract's id) and tells us when it is paid through its
`payment_recorded` signal. We never read money's tables.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from conference.abstracts.models import Abstract, AbstractStatus, FeeStatus
from conference.accounts.models import User
from conference.errors import Conflict, FieldErrors, ValidationFailed
from conference.extensions import db
from conference.i18n import in_language
from conference.models import utcnow
from conference.money import services as money
from conference.money.queries import get_active_invoice, get_balance, get_seller_profile
from conference.program.models import Congress

SOURCE = "abstract_fee"

#: World Bank low-income economies (GNI per capita of $1,145 or less in 2023), from "World Bank
#: Country and Lending Groups", fiscal year 2025 (published 1 July 2024):
#: https://datahelpdesk.worldbank.org/knowledgebase/articles/906519 . The list changes every
#: July; organizers set their own per congress (`Congress.abstract_fee_waiver_countries`).
DEFAULT_WAIVER_COUNTRIES = (
    "AF",  # Afghanistan
    "BF",  # Burkina Faso
    "BI",  # Burundi
    "CD",  # Congo, Democratic Republic
    "CF",  # Central African Republic
    "ER",  # Eritrea
    "ET",  # Ethiopia
    "GM",  # Gambia, The
    "GW",  # Guinea-Bissau
    "KP",  # Korea, Democratic People's Republic
    "LR",  # Liberia
    "MG",  # Madagascar
    "ML",  # Mali
    "MW",  # Malawi
    "MZ",  # Mozambique
    "NE",  # Niger
    "RW",  # Rwanda
    "SD",  # Sudan
    "SL",  # Sierra Leone
    "SO",  # Somalia
    "SS",  # South Sudan
    "SY",  # Syrian Arab Republic
    "TD",  # Chad
    "TG",  # Togo
    "UG",  # Uganda
    "YE",  # Yemen, Republic
)
MAX_FEE = Decimal("99999.99")


def fee_for(congress: Congress) -> Decimal | None:
    """The congress's fee per abstract, or None when abstracts are free."""
    fee = congress.abstract_fee
    return fee if fee is not None and fee > 0 else None


def waiver_countries(congress: Congress) -> list[str]:
    if congress.abstract_fee_waiver_countries is None:
        return list(DEFAULT_WAIVER_COUNTRIES)
    return list(congress.abstract_fee_waiver_countries)


def check_fee_settings(data: dict, errors: FieldErrors) -> None:
    """Normalise `abstract_fee` and `abstract_fee_waiver_countries` in `data` (settings)."""
    from conference.countries import check_country

    if "abstract_fee" in data:
        value = data["abstract_fee"]
        if value is None or (isinstance(value, str) and not value.strip()):
            data["abstract_fee"] = None
        else:
            try:
                amount = Decimal(str(value).strip())
            except InvalidOperation:
                amount = None
            if amount is None or not amount.is_finite() or amount < 0 or amount > MAX_FEE:
                errors.add(
                    "abstract_fee",
                    _("Enter an amount from 0 to %(max)s, or leave empty.", max=MAX_FEE),
                )
            elif amount != amount.quantize(Decimal("0.01")):
                errors.add("abstract_fee", _("Use at most two decimals."))
            else:
                data["abstract_fee"] = amount.quantize(Decimal("0.01")) if amount else None
    if "abstract_fee_waiver_countries" in data:
        value = data["abstract_fee_waiver_countries"]
        if value is None:
            return
        if isinstance(value, str):
            value = value.replace(";", ",").replace(" ", ",").split(",")
        codes = []
        for code in value:
            code = str(code or "").strip().upper()
            if not code:
                continue
            if check_country(code):
                errors.add(
                    "abstract_fee_waiver_countries", _("Unknown country code: %(code)s.", code=code)
                )
            elif code not in codes:
                codes.append(code)
        data["abstract_fee_waiver_countries"] = sorted(codes)


def _waiver_country(abstract: Abstract) -> str | None:
    """The country on the waiver list of the submitting or the presenting author, if any."""
    listed = set(waiver_countries(abstract.congress))
    submitter = abstract.submitter
    for author in abstract.authors:
        is_submitter = author.user_id == submitter.id or (
            author.email.strip().lower() == submitter.email.strip().lower()
        )
        if (is_submitter or author.is_presenting) and author.country.upper() in listed:
            return author.country.upper()
    return None


def apply_fee(abstract: Abstract, now: datetime | None = None) -> Abstract:
    """On submission: fix the fee owed, or waive it for a listed country (recorded)."""
    if abstract.fee_status != FeeStatus.NONE:
        return abstract  # decided at its first submission
    fee = fee_for(abstract.congress)
    if fee is None:
        return abstract
    abstract.fee_amount = fee
    country = _waiver_country(abstract)
    if country is not None:
        abstract.fee_status = FeeStatus.WAIVED
        abstract.fee_waived_at = now or utcnow()
        abstract.fee_waived_by_id = None
        abstract.fee_waiver_reason = f"Country on the waiver list: {country}"
    else:
        abstract.fee_status = FeeStatus.AWAITING
    db.session.flush()
    if abstract.fee_status == FeeStatus.AWAITING:
        _tell_fee_due(abstract)
    return abstract


def fee_due_at(abstract: Abstract, now: datetime | None = None) -> datetime:
    """When the fee should be paid: by the close of abstract submission while it is ahead
    (review starts after it), else within the seller's payment terms (as its invoice says)."""
    now = now or utcnow()
    closes = abstract.congress.abstract_submission_closes_at
    if closes is not None and closes > now:
        return closes
    profile = get_seller_profile(abstract.congress)
    return now + timedelta(days=profile.payment_terms_days if profile is not None else 30)


def _tell_fee_due(abstract: Abstract) -> None:
    """Email the submitter (in their language) that a fee is due: how much, by when and how to
    pay: the pay-now link when card payment is on, the invoice and bank details (once)."""
    from conference.mail import queue_mail
    from conference.urls import external_url

    queue_mail(
        abstract.submitter.email,
        _l(
            "Abstract %(number)s: a fee of %(amount)s %(currency)s is due",
            number=abstract.number,
            amount=abstract.fee_amount,
            currency=abstract.congress.currency,
        ),
        "abstracts/fee_due",
        dedupe_key=f"abstract-fee-due:{abstract.id}",
        user_id=abstract.submitter_id,
        abstract=abstract,
        congress=abstract.congress,
        amount=abstract.fee_amount,
        currency=abstract.congress.currency,
        pay_by_card=card_payment_offered(abstract.congress),
        pay_by_invoice=money.invoicing_enabled(abstract.congress),
        due_at=fee_due_at(abstract),
        bank=payment_details(abstract.congress),
        abstract_url=external_url("abstracts.view_abstract", abstract_id=abstract.id),
    )


def waive_fee(abstract: Abstract, by: User, reason: str, now: datetime | None = None) -> Abstract:
    """An organizer waives the fee by hand; an unpaid invoice of it is cancelled."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Give a reason for the waiver."), fields={"reason": [_("Give a reason.")]}
        )
    if len(reason) > 300:
        raise ValidationFailed(
            _("The reason is too long."), fields={"reason": [_("At most 300 characters.")]}
        )
    if abstract.status != AbstractStatus.SUBMITTED or abstract.fee_status != FeeStatus.AWAITING:
        raise Conflict(_("This abstract has no unpaid fee to waive."), code="no_fee_due")
    cancel_unpaid_invoice(abstract, lambda: _("Abstract fee waived: %(reason)s", reason=reason))
    abstract.fee_status = FeeStatus.WAIVED
    abstract.fee_waived_at = now or utcnow()
    abstract.fee_waived_by_id = by.id
    abstract.fee_waiver_reason = reason
    db.session.flush()
    return abstract


def cancel_unpaid_invoice(abstract: Abstract, reason) -> None:
    """Cancel the fee's invoice (credit note) when nothing was paid on it: no longer owed.
    `reason()` gives the credit note's reason, written in the invoice's language."""
    if abstract.fee_invoice_number is None or abstract.fee_status != FeeStatus.AWAITING:
        return
    invoice = get_active_invoice(abstract.congress, SOURCE, str(abstract.id))
    if invoice is not None and get_balance(invoice).paid == 0:
        with in_language(invoice.language):
            text = reason()
        money.cancel_invoice(invoice, text)


def _same_buyer(invoice, buyer: money.Buyer) -> bool:
    def compact(value) -> str:
        return "".join(str(value or "").split()).upper()

    return (
        compact(invoice.buyer_name) == compact(buyer.name)
        and compact(invoice.buyer_address) == compact(buyer.address)
        and compact(invoice.buyer_country) == compact(buyer.country)
        and compact(invoice.buyer_vat_id).replace("-", "").replace(".", "")
        == compact(buyer.vat_id).replace("-", "").replace(".", "")
    )


def invoice_fee(abstract: Abstract, buyer: money.Buyer):
    """Issue (once) the money invoice of an abstract's fee to the buyer given.

    Asked again for another buyer (an institution after "Pay now" issued it to the author)
    while nothing is paid on it, the invoice is corrected: cancelled by a credit note and
    reissued to that buyer (an issued invoice never changes)."""
    if abstract.status != AbstractStatus.SUBMITTED or abstract.fee_status != FeeStatus.AWAITING:
        raise Conflict(_("This abstract has no unpaid fee."), code="no_fee_due")
    if not money.invoicing_enabled(abstract.congress):
        raise Conflict(
            _("Invoices cannot be issued yet; please contact the organizers."),
            code="seller_profile_incomplete",
        )
    existing = fee_invoice(abstract)
    if existing is not None and not _same_buyer(existing, buyer):
        if get_balance(existing).paid > 0:
            raise Conflict(
                _(
                    "Invoice %(number)s is already partly paid; please contact the organizers "
                    "to change its buyer.",
                    number=existing.number,
                ),
                code="invoice_paid",
            )
        _note, invoice = money.correct_invoice(
            existing, buyer, "Made out to another buyer at the author's request."
        )
        abstract.fee_invoice_number = invoice.number
        db.session.flush()
        return invoice
    invoice = money.invoice_order(
        abstract.congress,
        buyer,
        [
            money.LineIn(
                SOURCE,
                f"Abstract fee {abstract.number}: {abstract.title[:100]}",
                abstract.fee_amount,
            )
        ],
        source=SOURCE,
        source_key=str(abstract.id),
    )
    if invoice is not None:
        abstract.fee_invoice_number = invoice.number
        db.session.flush()
    return invoice


def _author_buyer(abstract: Abstract) -> money.Buyer:
    """The submitter as the buyer of a fee paid by card (address: their affiliation)."""
    submitter = abstract.submitter
    own = next(
        (
            author
            for author in abstract.authors
            if author.user_id == submitter.id
            or author.email.strip().lower() == submitter.email.strip().lower()
        ),
        None,
    ) or next((author for author in abstract.authors if author.is_presenting), None)
    return money.Buyer(
        name=(submitter.name or submitter.email)[:200],
        address=(own.affiliation if own else "")[:1000],
        country=(own.country if own else "").upper(),
        email=submitter.email,
    )


def card_payment_offered(congress: Congress) -> bool:
    """Whether authors can pay the fee by card: a card provider is configured (keys set) and
    the fee can be invoiced (the paid invoice is the fee's record)."""
    from conference.money import card

    return card.card_payment_available() and money.invoicing_enabled(congress)


def can_pay_by_card(abstract: Abstract) -> bool:
    """ "Pay now" is shown: a fee is due on a submitted abstract and card payment is offered."""
    return (
        abstract.status == AbstractStatus.SUBMITTED
        and abstract.fee_status == FeeStatus.AWAITING
        and card_payment_offered(abstract.congress)
    )


def start_card_payment(abstract: Abstract, *, return_url: str, cancel_url: str):
    """Open the provider's payment page for the fee; return (checkout, URL).

    The fee's invoice is paid: the one already issued (to an institution, say), or one issued
    now to the submitter. `return_url` may hold `{CHECKOUT_SESSION_ID}`.
    """
    from conference.money import card

    if abstract.status != AbstractStatus.SUBMITTED or abstract.fee_status != FeeStatus.AWAITING:
        raise Conflict(_("This abstract has no unpaid fee."), code="no_fee_due")
    if not card_payment_offered(abstract.congress):
        raise Conflict(
            _("Card payment is not offered for this congress; please ask for an invoice."),
            code="card_payment_unavailable",
        )
    invoice = fee_invoice(abstract) or invoice_fee(abstract, _author_buyer(abstract))
    return card.start_invoice_checkout(
        invoice,
        email=abstract.submitter.email,
        description=f"{abstract.congress.short_name} abstract fee {abstract.number}",
        return_url=return_url,
        cancel_url=cancel_url,
    )


def open_card_payment(abstract: Abstract):
    """`start_card_payment` with this site's return pages (the author's page and the API)."""
    from conference.urls import external_url

    back = external_url("abstracts.fee_checkout_return", abstract_id=abstract.id)
    return start_card_payment(
        abstract,
        return_url=back + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=external_url("abstracts.view_abstract", abstract_id=abstract.id),
    )


def confirm_card_return(abstract: Abstract, session_id: str) -> str:
    """The author's browser came back from the payment page: the state of that payment."""
    from conference.money import card

    return card.confirm_on_return(
        session_id,
        congress_id=abstract.congress_id,
        source=SOURCE,
        source_key=str(abstract.id),
    )


def fee_invoice(abstract: Abstract):
    """The fee's active invoice (money's), or None."""
    return get_active_invoice(abstract.congress, SOURCE, str(abstract.id))


def payment_details(congress: Congress) -> dict | None:
    """Where to transfer the fee (the seller's bank account), for the author's page."""
    profile = get_seller_profile(congress)
    if profile is None:
        return None
    return {
        "account_holder": profile.account_holder,
        "iban": profile.iban,
        "bic": profile.bic,
        "bank_name": profile.bank_name,
    }


def mark_fee_paid(abstract: Abstract, now: datetime | None = None) -> Abstract:
    if abstract.fee_status == FeeStatus.AWAITING:
        abstract.fee_status = FeeStatus.PAID
        abstract.fee_paid_at = now or utcnow()
        db.session.flush()
    return abstract


def _on_payment(source, *, congress_id, source_key, outstanding, received_at=None, **_):
    """Money recorded a payment: a fully paid fee invoice makes its abstract complete."""
    if source != SOURCE or outstanding > 0 or not str(source_key).isdigit():
        return
    abstract = db.session.scalar(
        select(Abstract).where(Abstract.id == int(source_key), Abstract.congress_id == congress_id)
    )
    if abstract is not None:
        mark_fee_paid(abstract, received_at)


money.payment_recorded.connect(_on_payment)
