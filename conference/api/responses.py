"""Response bodies of the abstracts and registration operations, for the OpenAPI document.

The handlers build their JSON themselves (abstract_json, registration_json, ...); these
schemas describe it and are attached with `blp.alt_response`, which documents a body without
re-serializing it. tests/api/test_schemathesis.py checks every 2xx response against them.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from conference.api.schemas import Translations

# -- abstracts ----------------------------------------------------------------------------------


class SectionsOut(Schema):
    background = fields.String(allow_none=True)
    methods = fields.String(allow_none=True)
    results = fields.String(allow_none=True)
    conclusions = fields.String(allow_none=True)


class DisclosureOut(Schema):
    company = fields.String()
    relationship = fields.String()


class AuthorOut(Schema):
    name = fields.String()
    email = fields.String()
    affiliation = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    presenting = fields.Boolean()
    nothing_to_disclose = fields.Boolean()
    #: The author confirmed their authorship (co-authors are asked by email).
    is_confirmed = fields.Boolean()
    disclosures = fields.List(fields.Nested(DisclosureOut))


class RemovedAssignmentOut(Schema):
    abstract_id = fields.Integer()
    number = fields.String(allow_none=True)
    reviewer_id = fields.Integer()
    reviewer = fields.String()
    source = fields.String()
    reason = fields.String()
    found_at = fields.String(metadata={"format": "date-time"})
    draft = fields.Dict(allow_none=True)


class AffiliationChangeOut(Schema):
    reviewer_id = fields.Integer()
    reviewer = fields.String()
    previous = fields.String(allow_none=True)
    current = fields.String(allow_none=True)
    changed_at = fields.String(metadata={"format": "date-time"})
    assignments = fields.List(fields.Dict())


class ReviewConflictsOut(Schema):
    removed = fields.List(fields.Nested(RemovedAssignmentOut))
    affiliation_changes = fields.List(fields.Nested(AffiliationChangeOut))


class ConflictDeclaredOut(Schema):
    abstract_id = fields.Integer()
    declared = fields.Boolean()


class LengthOut(Schema):
    count = fields.Integer()
    limit = fields.Integer(allow_none=True)


class ReviewOut(Schema):
    reviewer_id = fields.Integer()
    scores = fields.Dict(keys=fields.String(), values=fields.Integer(allow_none=True))
    overall = fields.Integer(allow_none=True)
    comment_to_committee = fields.String(allow_none=True)
    comment_to_authors = fields.String(allow_none=True)


class AbstractFeeOut(Schema):
    status = fields.String(metadata={"description": "none, awaiting, paid or waived."})
    amount = fields.String(allow_none=True, metadata={"example": "75.00"})
    currency = fields.String()
    is_complete = fields.Boolean(
        metadata={"description": "Submitted and the fee (if any) paid or waived."}
    )
    invoice_number = fields.String(allow_none=True)
    paid_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    waived_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    waiver_reason = fields.String(allow_none=True)


class AbstractOut(Schema):
    """An abstract as its authors see it; organizers also get outcome, reviews and scores."""

    id = fields.Integer()
    number = fields.String(allow_none=True)
    status = fields.String()
    kind = fields.String()
    track = fields.String(allow_none=True, metadata={"description": "The track's slug."})
    title = fields.String(allow_none=True)
    sections = fields.Nested(SectionsOut)
    keywords = fields.List(fields.String())
    table = fields.List(fields.List(fields.String()), allow_none=True)
    is_clinical_trial = fields.Boolean(allow_none=True)
    trial_registration = fields.String(allow_none=True)
    group_name = fields.String(allow_none=True)
    authors = fields.List(fields.Nested(AuthorOut))
    attestations = fields.Dict(keys=fields.String(), values=fields.Boolean(allow_none=True))
    submitted_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    withdrawn_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    length = fields.Nested(LengthOut)
    warnings = fields.List(fields.String())
    decision = fields.String(allow_none=True, metadata={"description": "Released outcome."})
    presenter_confirmed_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    fee = fields.Nested(AbstractFeeOut)
    outcome = fields.String(allow_none=True, metadata={"description": "Organizers only."})
    reviews = fields.List(fields.Nested(ReviewOut), metadata={"description": "Organizers only."})
    mean_score = fields.Float(allow_none=True)
    score_spread = fields.Float(allow_none=True)
    large_disagreement = fields.Boolean(allow_none=True)
    completed_reviews = fields.Integer(metadata={"description": "Organizers only."})
    reviews_required = fields.Integer(metadata={"description": "Organizers only."})
    mean_is_incomplete = fields.Boolean(
        metadata={"description": "The mean comes from fewer reviews than required."}
    )


class AbstractPageOut(Schema):
    items = fields.List(fields.Nested(AbstractOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class UnassignedOut(Schema):
    id = fields.Integer()
    number = fields.String(allow_none=True)
    reason = fields.String()


class AssignmentSummaryOut(Schema):
    assigned = fields.Integer()
    unassigned = fields.List(fields.Nested(UnassignedOut))


class PoolOut(Schema):
    track = fields.String()
    reviewer_ids = fields.List(fields.Integer())


class TrackProgressOut(Schema):
    track = fields.String()
    assigned = fields.Integer()
    done = fields.Integer()


class ReviewerProgressOut(Schema):
    reviewer = fields.String()
    assigned = fields.Integer()
    done = fields.Integer()


class ProgressOut(Schema):
    tracks = fields.List(fields.Nested(TrackProgressOut))
    reviewers = fields.List(fields.Nested(ReviewerProgressOut))


class ReviewerAddedOut(Schema):
    abstract_id = fields.Integer()
    reviewer_id = fields.Integer()


class OwnReviewOut(Schema):
    scores = fields.Dict(keys=fields.String(), values=fields.Integer(allow_none=True))
    overall = fields.Integer(allow_none=True)
    comment_to_committee = fields.String(allow_none=True)
    comment_to_authors = fields.String(allow_none=True)
    complete = fields.Boolean()


class BlindedAbstractOut(Schema):
    """What a reviewer sees: the science, never who wrote it."""

    id = fields.Integer()
    number = fields.String(allow_none=True)
    kind = fields.String()
    track = fields.String(allow_none=True, metadata={"description": "The track's name."})
    title = fields.String(allow_none=True)
    sections = fields.Nested(SectionsOut)
    keywords = fields.List(fields.String())
    table = fields.List(fields.List(fields.String()), allow_none=True)
    is_clinical_trial = fields.Boolean(allow_none=True)
    trial_registration = fields.String(allow_none=True)
    review = fields.Nested(OwnReviewOut)


class AssignmentsOut(Schema):
    items = fields.List(fields.Nested(BlindedAbstractOut))


class ReleasedOut(Schema):
    released = fields.Integer(metadata={"description": "Messages queued."})


class CountingRulesOut(Schema):
    limit = fields.Integer(allow_none=True)
    count_title = fields.Boolean()
    count_headings = fields.Boolean()
    count_spaces = fields.Boolean()
    table_counting = fields.String()
    table_flat_amount = fields.Integer(allow_none=True)
    max_authors = fields.Integer(allow_none=True)
    max_tables = fields.Integer(allow_none=True)
    score_criteria = fields.List(fields.String())


# -- registration -------------------------------------------------------------------------------


class MoneyOut(Schema):
    amount = fields.String(metadata={"example": "450.00"})
    currency = fields.String(metadata={"example": "EUR"})


class FeeOut(MoneyOut):
    period = fields.String()


class CategoryOut(Schema):
    slug = fields.String()
    name = fields.String()
    fee = fields.Nested(FeeOut, allow_none=True, metadata={"description": "The fee in force."})
    fees = fields.Dict(keys=fields.String(), values=fields.String())
    requires_proof = fields.Boolean()
    proof_hint = fields.String(allow_none=True)
    is_prescriber = fields.Boolean()
    capacity = fields.Integer(allow_none=True)
    remaining = fields.Integer(allow_none=True)
    cancellation_fee = fields.String()
    translations = Translations("category", ("name", "description", "proof_hint"))


class CategoriesOut(Schema):
    categories = fields.List(fields.Nested(CategoryOut))


class RegistrationSettingsOut(Schema):
    capacity = fields.Integer(allow_none=True)
    taken = fields.Integer()
    payment_days = fields.Integer(allow_none=True)
    offer_hours = fields.Integer(allow_none=True)
    proof_hours = fields.Integer(allow_none=True)
    invoice_reminder_days = fields.Integer(allow_none=True)
    group_deadline_days = fields.Integer(allow_none=True)
    group_buyer_can_cancel = fields.Boolean()
    visa_signatory_name = fields.String()
    visa_signatory_title = fields.String()
    visa_retention_days = fields.Integer()
    currency = fields.String()
    timezone = fields.String()
    registration_opens_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    early_fee_closes_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    regular_fee_closes_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    refund_deadline_at = fields.String(allow_none=True, metadata={"format": "date-time"})


class VisaRequestOut(Schema):
    passport_number = fields.String()
    nationality = fields.String()
    date_of_birth = fields.String(metadata={"format": "date"})
    verification_code = fields.String()
    letter_available = fields.Boolean(
        metadata={"description": "The letter is issued once the registration is fully paid."}
    )


class PaymentLineOut(MoneyOut):
    kind = fields.String()
    note = fields.String(allow_none=True)
    recorded_at = fields.String(metadata={"format": "date-time"})


class BankTransferOut(Schema):
    account_holder = fields.String()
    iban = fields.String(metadata={"example": "AT611904300234573201"})
    iban_formatted = fields.String(metadata={"example": "AT61 1904 3002 3457 3201"})
    bic = fields.String(metadata={"example": "BKAUATWW"})
    bank_name = fields.String()


class HowToPayOut(Schema):
    """What is owed and how to pay it; null when nothing is owed."""

    amount = fields.String(metadata={"example": "450.00"})
    currency = fields.String(metadata={"example": "EUR"})
    reference = fields.String(metadata={"description": "Quote it with the transfer."})
    due_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    due_local = fields.String(
        allow_none=True, metadata={"description": "due_at in the congress time zone."}
    )
    timezone = fields.String()
    bank_transfer = fields.Nested(
        BankTransferOut,
        allow_none=True,
        metadata={"description": "null until the organizer publishes bank details."},
    )
    contact_email = fields.String(allow_none=True)


class VoucherUseOut(MoneyOut):
    """The voucher used: `amount` is what it took off; `fee_before` the category's fee."""

    code = fields.String()
    fee_before = fields.String(metadata={"example": "480.00"})


class RegistrationOut(Schema):
    """A registration; the personal fields are shown to its holder and to organizers."""

    reference = fields.String()
    status = fields.String()
    category = fields.String()
    fee = fields.Nested(FeeOut)
    amount_due = fields.Nested(MoneyOut)
    amount_paid = fields.Nested(MoneyOut)
    amount_waived = fields.Nested(MoneyOut)
    expires_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    proof_status = fields.String()
    invoice_requested_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    checked_in_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    voucher = fields.Nested(VoucherUseOut, allow_none=True)
    waitlist_position = fields.Integer(allow_none=True)
    first_name = fields.String()
    last_name = fields.String()
    email = fields.String()
    affiliation = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    badge_name = fields.String(allow_none=True)
    dietary = fields.String(allow_none=True)
    accessibility = fields.String(allow_none=True)
    share_with_exhibitors = fields.Boolean()
    payments = fields.List(fields.Nested(PaymentLineOut))
    how_to_pay = fields.Nested(
        HowToPayOut,
        allow_none=True,
        metadata={"description": "Shown to the holder and organizers while something is owed."},
    )


class RegistrationPageOut(Schema):
    registrations = fields.List(fields.Nested(RegistrationOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


class PaymentOut(MoneyOut):
    id = fields.Integer()
    kind = fields.String()


class PaymentRecordedOut(Schema):
    payment = fields.Nested(PaymentOut)
    registration = fields.Nested(RegistrationOut)


class CheckoutOut(Schema):
    checkout_url = fields.String(metadata={"description": "The provider's hosted payment page."})
    session_id = fields.String()
    provider = fields.String(metadata={"example": "stripe"})
    amount = fields.Nested(MoneyOut)


class RegistrationInvoiceSummaryOut(Schema):
    number = fields.String(metadata={"example": "MET26-2026-00042"})
    issue_date = fields.String(metadata={"format": "date"})
    due_date = fields.String(metadata={"format": "date"})
    buyer_name = fields.String()
    buyer_vat_id = fields.String()
    is_reverse_charge = fields.Boolean()
    total = fields.Nested(MoneyOut)


class RegistrationInvoiceOut(Schema):
    invoice = fields.Nested(RegistrationInvoiceSummaryOut)
    registration = fields.Nested(RegistrationOut)


class WebhookOut(Schema):
    received = fields.Boolean()
    outcome = fields.String(
        metadata={
            "description": "paid, duplicate, replayed, pending, ignored, mismatch, refunded or "
            "needs_refund"
        }
    )
