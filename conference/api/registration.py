"""API resources of the registration domain: categories and fees, registrations, payments,
proof checks and check-in. Handlers are thin: they call conference.registration services.

Attendees authenticate a registration with its manage token (`X-Manage-Token` header, from
the link emailed to them; never a query parameter, which would end up in logs and Referer
headers); organizers with a Bearer token.
"""

from __future__ import annotations

import base64
import binascii
import logging

from flask import request
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from conference.api import responses
from conference.api.auth import bearer_user, organizer_token_required
from conference.api.schemas import CongressDateTime, Integer, Translations
from conference.content import services as content
from conference.extensions import commit_keeping_loaded, db
from conference.models import utcnow
from conference.money.queries import get_bank_details
from conference.program.queries import get_current_congress
from conference.registration import capacity, card, checkin, invoicing, proofs, services, visa
from conference.registration.fees import fee_at
from conference.registration.limits import limit_api_registration
from conference.registration.models import RegistrationStatus
from conference.registration.payment_instructions import LOOK_UP, payment_instructions
from conference.registration.payments import RECORDABLE_KINDS, record_payment
from conference.registration.queries import (
    RegistrationFilters,
    get_categories,
    get_category_by_slug,
    get_registration,
    registrations_query,
)
from conference.registration.tokens import token_matches
from conference.security import mark_personal

log = logging.getLogger(__name__)

blp = Blueprint("api_registration", __name__, url_prefix="/api/v1", description="Registration")


def _congress():
    congress = get_current_congress()
    if congress is None:
        abort(404, message="No congress is set up yet.")
    return congress


def _money(amount, currency) -> dict:
    return {"amount": str(amount), "currency": currency}


# -- categories and settings ------------------------------------------------------------------


class FeesSchema(Schema):
    early = fields.Decimal(allow_none=True, as_string=True)
    regular = fields.Decimal(allow_none=True, as_string=True)
    onsite = fields.Decimal(allow_none=True, as_string=True)


class CategoryPatchSchema(Schema):
    capacity = Integer(allow_none=True, validate=validate.Range(min=0))
    fees = fields.Nested(FeesSchema)
    requires_proof = fields.Boolean()
    #: The service refuses negative amounts with a field error (a Range here would be
    #: documented as the string "0" in OpenAPI, because the field is dumped as a string).
    cancellation_fee = fields.Decimal(as_string=True)
    translations = Translations("category", ("name", "description", "proof_hint"))


class SettingsPatchSchema(Schema):
    capacity = Integer(allow_none=True, validate=validate.Range(min=0))
    payment_days = Integer(validate=validate.Range(min=1))
    offer_hours = Integer(validate=validate.Range(min=1))
    proof_hours = Integer(validate=validate.Range(min=1))
    invoice_reminder_days = Integer(validate=validate.Range(min=1))
    group_deadline_days = Integer(validate=validate.Range(min=0, max=365))
    group_buyer_can_cancel = fields.Boolean()
    visa_signatory_name = fields.String(validate=validate.Length(max=200))
    visa_signatory_title = fields.String(validate=validate.Length(max=200))
    visa_retention_days = Integer(validate=validate.Range(min=0, max=365))
    registration_opens_at = CongressDateTime(allow_none=True)
    early_fee_closes_at = CongressDateTime(allow_none=True)
    regular_fee_closes_at = CongressDateTime(allow_none=True)
    refund_deadline_at = CongressDateTime(allow_none=True)


def _category_json(category, settings, taken) -> dict:
    period, amount = fee_at(category)
    return {
        "slug": category.slug,
        "name": category.name,
        "fee": None
        if amount is None
        else {**_money(amount, category.congress.currency), "period": period.value},
        "fees": {fee.period.value: str(fee.amount) for fee in category.fees},
        "requires_proof": category.requires_proof,
        "proof_hint": category.proof_hint,
        "is_prescriber": category.is_prescriber,
        "capacity": category.capacity,
        "remaining": capacity.remaining(settings, category, taken),
        "cancellation_fee": str(category.cancellation_fee),
        "translations": content.translations_of(category.congress, "category", category.id),
    }


@blp.route("/registration/categories", methods=["GET"])
@blp.alt_response(
    200, schema=responses.CategoriesOut, description="Open categories with fees and places."
)
def list_categories():
    """Categories open for registration, each with the fee in force now and places left."""
    congress = _congress()
    settings = capacity.get_settings(congress)
    taken = capacity.taken_by_category(congress)
    db.session.commit()
    return {
        "categories": [
            _category_json(category, settings, taken)
            for category in get_categories(congress, active_only=True)
        ]
    }


@blp.route("/registration/categories/<slug>", methods=["PATCH"])
@organizer_token_required
@blp.arguments(CategoryPatchSchema)
@blp.doc(security=[{"bearerAuth": []}])
@blp.alt_response(200, schema=responses.CategoryOut, description="The category as saved.")
def patch_category(payload, slug):
    """Set a category's capacity, fees per period, cancellation fee, proof requirement."""
    congress = _congress()
    category = get_category_by_slug(congress, slug)
    if category is None:
        abort(404, message="No category with this slug.")
    kwargs = {}
    if "fees" in payload:
        kwargs["fees"] = payload["fees"]
    for key in ("capacity", "cancellation_fee", "requires_proof"):
        if key in payload:
            kwargs[key] = payload[key]
    services.set_category_rules(category, **kwargs)
    if payload.get("translations"):
        content.set_object_translations(congress, "category", category.id, payload["translations"])
    db.session.commit()
    settings = capacity.get_settings(congress)
    return _category_json(category, settings, capacity.taken_by_category(congress))


def _settings_json(congress, settings) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    return {
        "capacity": settings.capacity,
        "taken": capacity.places_taken(congress),
        "payment_days": settings.payment_days,
        "offer_hours": settings.offer_hours,
        "proof_hours": settings.proof_hours,
        "invoice_reminder_days": settings.invoice_reminder_days,
        "group_deadline_days": settings.group_deadline_days,
        "group_buyer_can_cancel": settings.group_buyer_can_cancel,
        "visa_signatory_name": settings.visa_signatory_name,
        "visa_signatory_title": settings.visa_signatory_title,
        "visa_retention_days": settings.visa_retention_days,
        "currency": congress.currency,
        "timezone": congress.timezone,
        "registration_opens_at": iso(congress.registration_opens_at),
        "early_fee_closes_at": iso(congress.early_fee_closes_at),
        "regular_fee_closes_at": iso(congress.regular_fee_closes_at),
        "refund_deadline_at": iso(congress.refund_deadline_at),
    }


@blp.route("/registration/settings", methods=["GET"])
@organizer_token_required
@blp.alt_response(
    200, schema=responses.RegistrationSettingsOut, description="Registration settings."
)
def get_settings():
    """Overall capacity, payment time, offer time and key dates of registration."""
    congress = _congress()
    settings = capacity.get_settings(congress)
    db.session.commit()
    return _settings_json(congress, settings)


@blp.route("/registration/settings", methods=["PATCH"])
@organizer_token_required
@blp.arguments(SettingsPatchSchema)
@blp.doc(security=[{"bearerAuth": []}])
@blp.alt_response(
    200, schema=responses.RegistrationSettingsOut, description="The settings as saved."
)
def patch_settings(payload):
    """Change the overall capacity, fee period closing dates and refund deadline."""
    congress = _congress()
    settings = services.update_registration_settings(congress, **payload)
    db.session.commit()
    return _settings_json(congress, settings)


# -- registrations ----------------------------------------------------------------------------


class Base64Bytes(fields.String):
    """Bytes sent as standard base64 text."""

    default_error_messages = {"invalid_base64": "Send the file's content encoded in base64."}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise self.make_error("invalid_base64") from None


class ProofInSchema(Schema):
    filename = fields.String(required=True, validate=validate.Length(min=1, max=200))
    content = Base64Bytes(
        required=True,
        metadata={"description": "The file (PDF, PNG or JPEG, at most 5 MB) in base64."},
    )


class InvoiceToSchema(Schema):
    """The buyer of an invoice (pay by invoice); checked by the service (422 naming fields)."""

    name = fields.String(
        required=True, metadata={"example": "Charité - Universitätsmedizin Berlin"}
    )
    address = fields.String(required=True, metadata={"example": "Charitéplatz 1\n10117 Berlin"})
    country = fields.String(required=True, metadata={"example": "DE"})
    vat_id = fields.String(load_default="", metadata={"example": "DE136695976"})
    po_number = fields.String(load_default="", metadata={"example": "4500123456"})


class RegistrationInSchema(Schema):
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    email = fields.String(required=True)
    affiliation = fields.String(load_default="")
    country = fields.String(required=True)
    category = fields.String(required=True)
    badge_name = fields.String(load_default="")
    dietary = fields.String(load_default="")
    accessibility = fields.String(load_default="")
    share_with_exhibitors = fields.Boolean(load_default=False)
    accept_terms = fields.Boolean(required=True)
    voucher = fields.String(
        load_default="",
        validate=validate.Length(max=40),
        metadata={"description": "A voucher code: reduces the fee or makes the place free."},
    )
    proof = fields.Nested(
        ProofInSchema,
        metadata={"description": "Proof of status, required by categories that ask for it."},
    )
    invoice_to = fields.Nested(
        InvoiceToSchema,
        metadata={
            "description": "Pay by invoice: the invoice is issued to this buyer when payment "
            "is due at once, and the place is held until its due date."
        },
    )


class RegistrationUpdateSchema(Schema):
    first_name = fields.String()
    last_name = fields.String()
    affiliation = fields.String()
    country = fields.String()
    badge_name = fields.String()
    dietary = fields.String()
    accessibility = fields.String()
    share_with_exhibitors = fields.Boolean()


class PaymentInSchema(Schema):
    kind = fields.String(
        required=True, validate=validate.OneOf([kind.value for kind in RECORDABLE_KINDS])
    )
    amount = fields.Decimal(as_string=True, allow_none=True)
    note = fields.String(load_default="")
    idempotency_key = fields.String(validate=validate.Length(max=64), allow_none=True)


class VisaRequestInSchema(Schema):
    passport_number = fields.String(required=True, validate=validate.Length(max=40))
    nationality = fields.String(
        required=True,
        validate=validate.Length(max=2),
        metadata={"description": "ISO 3166-1 alpha-2 of the passport's country."},
    )
    date_of_birth = fields.Date(required=True)


class VerifyInSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "refuse"]))
    reason = fields.String(load_default="")


class CancelInSchema(Schema):
    reason = fields.String(load_default="")


class ListArgsSchema(Schema):
    category = fields.String(load_default="")
    status = fields.String(
        load_default="", validate=validate.OneOf(["", *[s.value for s in RegistrationStatus]])
    )
    country = fields.String(load_default="")
    checked_in = fields.String(load_default="", validate=validate.OneOf(["", "yes", "no"]))
    q = fields.String(load_default="")
    sort = fields.String(load_default="created")
    direction = fields.String(load_default="desc", validate=validate.OneOf(["asc", "desc"]))
    page = Integer(load_default=1, validate=validate.Range(min=1))
    per_page = Integer(load_default=50, validate=validate.Range(min=1, max=200))


def registration_json(
    registration, *, private: bool = True, position: bool = True, bank=LOOK_UP
) -> dict:
    data = {
        "reference": registration.reference,
        "status": registration.status.value,
        "category": registration.category.slug,
        "fee": {
            **_money(registration.fee_amount, registration.currency),
            "period": registration.fee_period.value,
        },
        "amount_due": _money(registration.amount_due, registration.currency),
        "amount_paid": _money(registration.amount_paid, registration.currency),
        "amount_waived": _money(registration.amount_waived, registration.currency),
        "expires_at": registration.expires_at.isoformat() if registration.expires_at else None,
        "proof_status": registration.proof_status.value,
        "invoice_requested_at": (
            registration.invoice_requested_at.isoformat()
            if registration.invoice_requested_at
            else None
        ),
        "checked_in_at": (
            registration.checked_in_at.isoformat() if registration.checked_in_at else None
        ),
        "voucher": (
            {
                "code": registration.voucher_code,
                **_money(registration.voucher_discount, registration.currency),
                "fee_before": str(registration.list_fee),
            }
            if registration.voucher_code
            else None
        ),
    }
    if position and registration.status == RegistrationStatus.WAITLISTED:
        data["waitlist_position"] = capacity.waitlist_position(registration)
    if private:
        data.update(
            first_name=registration.first_name,
            last_name=registration.last_name,
            email=registration.email,
            affiliation=registration.affiliation,
            country=registration.country,
            badge_name=registration.badge_name,
            dietary=registration.dietary,
            accessibility=registration.accessibility,
            share_with_exhibitors=registration.share_with_exhibitors,
            payments=[
                {
                    "kind": p.kind.value,
                    **_money(p.amount, p.currency),
                    "note": p.note,
                    "recorded_at": p.recorded_at.isoformat(),
                }
                for p in registration.payments
            ],
            how_to_pay=(
                instructions.as_json()
                if (instructions := payment_instructions(registration, bank))
                else None
            ),
        )
    return data


def _registration_for_attendee(reference: str):
    """The registration if the request carries its manage token or an organizer's token."""
    registration = get_registration(_congress(), reference)
    token = request.headers.get("X-Manage-Token", "")
    if registration is not None and token and token_matches(registration, token):
        # Only the owner of the address has the token: it confirms the address.
        if services.confirm_email(registration):
            db.session.commit()
        mark_personal()
        return registration
    user = bearer_user()
    if registration is not None and user is not None and user.is_organizer:
        mark_personal()
        return registration
    if not token and user is None:
        abort(401, message="Send the manage token (X-Manage-Token) or an organizer token.")
    abort(404, message="No registration with this reference and token.")


def _registration_for_organizer(reference: str):
    registration = get_registration(_congress(), reference)
    if registration is None:
        abort(404, message="No registration with this reference.")
    return registration


@blp.route("/registrations", methods=["POST"])
@limit_api_registration
@blp.arguments(RegistrationInSchema)
@blp.alt_response(429, description="Too many registrations from this client; try later")
@blp.alt_response(
    503,
    description="The proof could not be stored just now (the file store "
    "is unreachable); try again in a minute. Error code `storage_unavailable`, field `proof`.",
)
@blp.doc(
    description="Register (no token needed). A category that `requires_proof` needs `proof` "
    "(file name and base64 content). The private manage link is emailed to the address "
    "given, never returned. An earlier registration under the same address that was never "
    "confirmed (its link never opened) is replaced. An `Idempotency-Key` header makes a "
    "retried request return the first registration instead of a conflict. Anonymous "
    "requests are rate-limited per client (REGISTRATION_RATE_LIMIT)."
)
@blp.alt_response(201, schema=responses.RegistrationOut, description="The new registration.")
@blp.alt_response(
    200,
    schema=responses.RegistrationOut,
    description="A retried request (same Idempotency-Key): the first registration.",
)
def create_registration(payload):
    """Register an attendee: 201 with reference, status and amount due."""
    congress = _congress()
    proof = payload.pop("proof", None)
    invoice_to = payload.pop("invoice_to", None)
    registration, created = services.register_attendee(
        congress,
        payload,
        user=bearer_user(),
        proof=(proof["filename"], proof["content"]) if proof else None,
        submission_key=request.headers.get("Idempotency-Key") or None,
        invoice_to=invoice_to,
    )
    # The place's counter rows are locked until the commit: commit first, then build the
    # answer from what was written (no reload) and count the waiting-list position.
    commit_keeping_loaded()
    body = registration_json(registration, position=True)
    return body, 201 if created else 200


@blp.route("/registrations", methods=["GET"])
@organizer_token_required
@blp.arguments(ListArgsSchema, location="query")
@blp.doc(security=[{"bearerAuth": []}])
@blp.alt_response(
    200, schema=responses.RegistrationPageOut, description="One page of registrations."
)
def list_registrations(args):
    """Registrations, filtered (category, status, country, checked_in, q), sorted, paginated."""
    page, per_page = args.pop("page"), args.pop("per_page")
    congress = _congress()
    query = registrations_query(congress, RegistrationFilters(**args))
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    bank = get_bank_details(congress)
    return {
        "registrations": [
            registration_json(r, position=False, bank=bank) for r in pagination.items
        ],
        "page": page,
        "per_page": per_page,
        "total": pagination.total,
        "pages": pagination.pages,
    }


@blp.route("/registrations/<reference>", methods=["GET"])
@blp.alt_response(200, schema=responses.RegistrationOut, description="The registration.")
def get_one(reference):
    """A registration, for its attendee (manage token) or an organizer."""
    return registration_json(_registration_for_attendee(reference))


@blp.route("/registrations/<reference>", methods=["PATCH"])
@blp.arguments(RegistrationUpdateSchema)
@blp.alt_response(200, schema=responses.RegistrationOut, description="The registration as saved.")
def update_one(payload, reference):
    """Update the attendee's details (manage token)."""
    registration = _registration_for_attendee(reference)
    services.update_details(registration, payload)
    db.session.commit()
    return registration_json(registration)


@blp.route("/registrations/<reference>/proof", methods=["POST"])
@blp.doc(
    description="Upload the proof of status as multipart/form-data field `proof` (PDF, PNG or "
    "JPEG, up to 5 MB; the type is checked by content). Needs the manage token."
)
@blp.alt_response(
    200, schema=responses.RegistrationOut, description="The registration with its proof."
)
@blp.alt_response(
    503,
    description="The proof could not be stored just now (the file store "
    "is unreachable); try again in a minute. Error code `storage_unavailable`, field `proof`.",
)
def upload_proof(reference):
    """Add or replace the proof of status (manage token)."""
    from conference.registration.uploads import MAX_PROOF_BYTES

    registration = _registration_for_attendee(reference)
    upload = request.files.get("proof")
    if upload is None or not upload.filename:
        abort(422, message="Send the file as multipart field `proof`.")
    proofs.upload_proof(registration, upload.filename, upload.read(MAX_PROOF_BYTES + 1))
    db.session.commit()
    return registration_json(registration)


@blp.route("/registrations/<reference>/visa-request", methods=["PUT"])
@blp.arguments(VisaRequestInSchema)
@blp.alt_response(200, schema=responses.VisaRequestOut, description="The visa request as saved.")
def put_visa_request(payload, reference):
    """Request a visa invitation letter, or correct its passport data (manage token)."""
    registration = _registration_for_attendee(reference)
    saved = visa.request_visa_letter(registration, **payload)
    db.session.commit()
    return {
        "passport_number": saved.passport_number,
        "nationality": saved.nationality,
        "date_of_birth": saved.date_of_birth.isoformat(),
        "verification_code": saved.verification_code,
        "letter_available": registration.is_fully_paid,
    }


@blp.route("/registrations/<reference>/cancel", methods=["POST"])
@blp.arguments(CancelInSchema)
@blp.alt_response(200, schema=responses.RegistrationOut, description="The cancelled registration.")
def cancel(payload, reference):
    """Cancel (manage token or organizer); a refund minus the cancellation fee is recorded."""
    registration = _registration_for_attendee(reference)
    user = bearer_user()
    services.cancel_registration(
        registration, by=user if user and user.is_organizer else None, reason=payload["reason"]
    )
    db.session.commit()
    return registration_json(registration)


@blp.route("/registrations/<reference>/payments", methods=["POST"])
@organizer_token_required
@blp.arguments(PaymentInSchema)
@blp.doc(security=[{"bearerAuth": []}])
@blp.alt_response(
    201, schema=responses.PaymentRecordedOut, description="The payment and the registration."
)
def add_payment(payload, reference):
    """Record a payment (bank transfer, card on site, waived). Send `idempotency_key` (or the
    Idempotency-Key header) so a retry records it once."""
    registration = _registration_for_organizer(reference)
    key = payload.get("idempotency_key") or request.headers.get("Idempotency-Key")
    payment = record_payment(
        registration,
        kind=payload["kind"],
        amount=payload.get("amount"),
        note=payload["note"],
        by=bearer_user(),
        idempotency_key=key,
    )
    db.session.commit()
    return {
        "payment": {
            "id": payment.id,
            "kind": payment.kind.value,
            **_money(payment.amount, payment.currency),
        },
        "registration": registration_json(registration),
    }, 201


@blp.route("/registrations/<reference>/verify", methods=["POST"])
@organizer_token_required
@blp.arguments(VerifyInSchema)
@blp.doc(security=[{"bearerAuth": []}])
@blp.alt_response(
    200, schema=responses.RegistrationOut, description="The registration after the decision."
)
def verify(payload, reference):
    """Approve or refuse (with a reason) the proof of status."""
    registration = _registration_for_organizer(reference)
    if payload["decision"] == "approve":
        proofs.approve_proof(registration, bearer_user())
    else:
        proofs.refuse_proof(registration, bearer_user(), payload["reason"])
    db.session.commit()
    return registration_json(registration)


@blp.route("/registrations/<reference>/check-in", methods=["POST"])
@organizer_token_required
@blp.doc(security=[{"bearerAuth": []}])
@blp.alt_response(200, schema=responses.RegistrationOut, description="The checked-in registration.")
def check_in(reference):
    """Check an attendee in: 200 the first time, 409 with `checked_in_at` after."""
    registration = _registration_for_organizer(reference)
    checkin.check_in(registration, by=bearer_user(), now=utcnow())
    db.session.commit()
    return registration_json(registration)


# -- online card payment and pay by invoice -----------------------------------------------------


@blp.route("/registrations/<reference>/checkout", methods=["POST"])
@blp.doc(
    description="Start an online card payment of what is due (manage token or organizer): "
    "returns the provider's hosted payment page to send the attendee to. 409 "
    "`card_payment_unavailable` when no provider is configured, `not_payable` or "
    "`already_paid` when nothing can be paid now; 502 when the provider cannot be reached."
)
@blp.alt_response(201, schema=responses.CheckoutOut, description="The hosted payment page.")
def checkout(reference):
    """Pay by card: the URL of the provider's hosted payment page."""
    registration = _registration_for_attendee(reference)
    row, url = card.open_checkout(registration)
    body = {
        "checkout_url": url,
        "session_id": row.session_id,
        "provider": row.provider,
        "amount": _money(row.amount, row.currency),
    }
    db.session.commit()
    return body, 201


@blp.route("/registrations/<reference>/invoice", methods=["POST"])
@blp.arguments(InvoiceToSchema)
@blp.doc(
    description="Pay by invoice (manage token or organizer): issue the invoice of what is due "
    "to this buyer (VAT id checked, reverse charge applied by the money domain); the place is "
    "held until the invoice's due date. 422 names the fields (`invoice_to.name`, ...); 409 "
    "`invoiced` when one was issued already, `not_payable` when nothing is due now."
)
@blp.alt_response(201, schema=responses.RegistrationInvoiceOut, description="The invoice.")
def request_invoice(payload, reference):
    """Ask for an invoice to an institution."""
    registration = _registration_for_attendee(reference)
    invoice = invoicing.request_invoice(registration, payload)
    body = {
        "invoice": {
            "number": invoice.number,
            "issue_date": invoice.issue_date.isoformat(),
            "due_date": invoice.due_date.isoformat(),
            "buyer_name": invoice.buyer_name,
            "buyer_vat_id": invoice.buyer_vat_id,
            "is_reverse_charge": invoice.is_reverse_charge,
            "total": _money(invoice.total_gross, invoice.currency),
        },
        "registration": registration_json(registration),
    }
    db.session.commit()
    return body, 201
