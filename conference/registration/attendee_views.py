"""The attendee's private pages: the manage page, its actions, documents and data export."""

from __future__ import annotations

import json

from flask import (
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.countries import country_choices
from conference.errors import DomainError, ValidationFailed
from conference.extensions import db
from conference.models import utcnow
from conference.registration import (
    capacity,
    card,
    documents,
    invoicing,
    privacy,
    proofs,
    services,
    uploads,
    visa,
)
from conference.registration.fees import period_closes_at
from conference.registration.forms import (
    ConfirmForm,
    DetailsForm,
    InvoiceRequestForm,
    LinkRequestForm,
    PayForm,
    ProfileCategoryForm,
    ProofForm,
    VisaRequestForm,
)
from conference.registration.models import RegistrationStatus
from conference.registration.payment_instructions import payment_instructions
from conference.registration.queries import get_categories, get_registration, get_user_category
from conference.registration.tokens import token_matches
from conference.registration.views import bp, congress_or_404, local_time, pdf_response
from conference.security import mark_personal
from conference.webforms import show_domain_error

# -- attendee: the private manage page --------------------------------------------------------


def _attendee_registration(reference: str, token: str):
    registration = get_registration(congress_or_404(), reference)
    if registration is None or not token_matches(registration, token):
        abort(dead_manage_link())
    mark_personal()
    return registration


def _visa_form(registration):
    existing = registration.visa_request
    form = VisaRequestForm(prefix="visa", obj=existing)
    form.nationality.choices = [("", _("Choose a country")), *country_choices()]
    return form


def dead_manage_link():
    """404 that says how to get a working link (the same whether the registration exists)."""
    page = render_template(
        "errors/dead_link.html",
        heading=_("This registration link no longer works"),
        problem=_(
            "The link was replaced by a newer one (“Replace my link” on the registration "
            "page stops the old ones), or it was copied incompletely from the email."
        ),
        remedy=_(
            "Enter the address you registered with and we will email you a working link "
            "to manage your registration."
        ),
        form=LinkRequestForm(),
        action=url_for("registration.request_link"),
        help=_("Check your inbox for the newest email from us first: its link works."),
    )
    return make_response(page, 404)


def _manage_context(registration, token):
    details = DetailsForm(obj=registration, prefix="details")
    details.country.choices = country_choices()
    invoice_form = InvoiceRequestForm(prefix="invoice")
    invoice_form.invoice_country.choices = [("", _("Choose the country")), *country_choices()]
    if not invoice_form.is_submitted():
        invoice_form.invoice_name.data = invoice_form.invoice_name.data or registration.affiliation
        invoice_form.invoice_country.data = (
            invoice_form.invoice_country.data or registration.country
        )
    invoice = invoicing.get_invoice(registration) if registration.invoice_requested_at else None
    return {
        "pay_form": PayForm(prefix="pay"),
        "can_pay_by_card": card.card_payment_available(registration),
        "invoice_form": invoice_form,
        "invoice": invoice,
        "can_request_invoice": (
            registration.invoice_requested_at is None
            and registration.status == RegistrationStatus.AWAITING_PAYMENT
            and registration.amount_due > 0
            and invoicing.invoicing_available(registration.congress)
        ),
        "card_checkouts": card.checkouts_of(registration),
        "registration": registration,
        "token": token,
        "details": details,
        "proof_form": ProofForm(prefix="proof"),
        "cancel_form": ConfirmForm(prefix="cancel"),
        "erase_form": ConfirmForm(prefix="erase"),
        "link_form": ConfirmForm(prefix="link"),
        "visa_form": _visa_form(registration),
        "visa_retention_days": capacity.get_settings(registration.congress).visa_retention_days,
        "position": capacity.waitlist_position(registration),
        "refund": services.refund_for(registration, utcnow()),
        "period_closes": period_closes_at(registration.congress, registration.fee_period),
        "how_to_pay": payment_instructions(registration),
    }


@bp.route("/registration/manage/<reference>/<token>", methods=["GET"])
def manage(reference, token):
    registration = _attendee_registration(reference, token)
    if services.confirm_email(registration):  # the emailed link was opened: the address is theirs
        db.session.commit()
    return render_template("registration/manage.html", **_manage_context(registration, token))


def _manage_action(reference: str, token: str, form_name: str, act, *, confirm: bool = False):
    """Validate one form of the manage page, run `act(registration, form)` and commit.

    `act` returns the message to flash (then back to the page) or a response of its own. A
    service's DomainError shows next to the form's fields, on the page again.
    """
    registration = _attendee_registration(reference, token)
    context = _manage_context(registration, token)
    form = context[form_name]
    if not form.validate_on_submit() or (confirm and not form.confirm.data):
        if confirm:
            form.confirm.errors = ["Tick the box to confirm."]
        return render_template("registration/manage.html", **context), 422
    try:
        outcome = act(registration, form)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        context = _manage_context(_attendee_registration(reference, token), token)
        show_domain_error(context[form_name], exc, aliases=getattr(form, "ALIASES", None))
        return render_template("registration/manage.html", **context), exc.status
    if not isinstance(outcome, str):
        return outcome
    flash(outcome, "success")
    return redirect(url_for("registration.manage", reference=reference, token=token))


@bp.route("/registration/manage/<reference>/<token>/details", methods=["POST"])
def manage_details(reference, token):
    def save(registration, form):
        services.update_details(
            registration,
            {name: getattr(form, name).data for name in services.TEXT_LIMITS}
            | {
                "country": form.country.data,
                "share_with_exhibitors": form.share_with_exhibitors.data,
            },
        )
        return _("Your details were saved.")

    return _manage_action(reference, token, "details", save)


@bp.route("/registration/manage/<reference>/<token>/proof", methods=["POST"])
def manage_proof(reference, token):
    def upload(registration, form):
        if not getattr(form.proof.data, "filename", ""):
            message = "Choose a file to upload."
            raise ValidationFailed(message, fields={"proof": [message]})
        data = form.proof.data.read(uploads.MAX_PROOF_BYTES + 1)
        proofs.upload_proof(registration, form.proof.data.filename, data)
        return _("Your proof of status was uploaded; an organizer will check it.")

    return _manage_action(reference, token, "proof_form", upload)


@bp.route("/registration/manage/<reference>/<token>/cancel", methods=["POST"])
def manage_cancel(reference, token):
    def cancel(registration, form):
        services.cancel_registration(registration, reason=form.reason.data)
        return _("Your registration is cancelled.")

    return _manage_action(reference, token, "cancel_form", cancel, confirm=True)


@bp.route("/registration/manage/<reference>/<token>/erase", methods=["POST"])
def manage_erase(reference, token):
    def erase(registration, form):
        privacy.erase_registration(registration)
        flash(_("Your personal data was erased. Thank you."), "success")
        return redirect(url_for("program.home"))

    return _manage_action(reference, token, "erase_form", erase, confirm=True)


@bp.route("/registration/manage/<reference>/<token>/link", methods=["POST"])
def manage_replace_link(reference, token):
    def replace(registration, form):
        services.replace_manage_link(registration)
        flash(
            _(
                "Earlier links no longer work, this page's address included. We "
                "emailed you the new link.",
            ),
            "success",
        )
        return redirect(url_for("registration.received", reference=reference))

    return _manage_action(reference, token, "link_form", replace)


@bp.route("/registration/manage/<reference>/<token>/checkout", methods=["POST"])
def manage_checkout(reference, token):
    """ "Pay now": open the provider's hosted payment page and go there."""

    def pay(registration, form):
        _checkout, url = card.open_checkout(registration)
        return redirect(url, code=303)

    return _manage_action(reference, token, "pay_form", pay)


@bp.route("/registration/manage/<reference>/<token>/pay", methods=["GET"])
def manage_pay(reference, token):
    """The "Pay now" link of the emails: what is due and one button (a POST, with CSRF)."""
    registration = _attendee_registration(reference, token)
    if services.confirm_email(registration):
        db.session.commit()
    return render_template(
        "registration/pay.html",
        registration=registration,
        token=token,
        pay_form=PayForm(prefix="pay"),
        can_pay_by_card=card.card_payment_available(registration),
    )


@bp.route("/registration/checkout/<reference>/return", methods=["GET"])
def checkout_return(reference):
    """Back from the payment page: paid, or "being confirmed" until the provider says so
    (the page reloads itself; each load asks the provider)."""
    registration = get_registration(congress_or_404(), reference)
    session_id = request.args.get("session_id", "")
    if registration is None or not session_id or len(session_id) > 255:
        abort(404)
    try:
        state = card.confirm_on_return(registration, session_id)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        state = "pending"
    if state == "unknown":
        abort(404)
    mark_personal()
    return render_template(
        "registration/checkout_return.html", reference=registration.reference, state=state
    )


@bp.route("/registration/checkout/<reference>/cancelled", methods=["GET"])
def checkout_cancelled(reference):
    return render_template("registration/checkout_cancelled.html", reference=reference)


@bp.route("/registration/manage/<reference>/<token>/invoice", methods=["POST"])
def manage_invoice(reference, token):
    def ask(registration, form):
        invoice = invoicing.request_invoice(registration, form.invoice_to())
        return (
            f"Invoice {invoice.number} was issued and emailed to you; your place is held until "
            "its due date."
        )

    return _manage_action(reference, token, "invoice_form", ask)


@bp.route("/registration/manage/<reference>/<token>/invoice.pdf")
def invoice_pdf(reference, token):
    from conference.money import services as money

    registration = _attendee_registration(reference, token)
    invoice = invoicing.get_invoice(registration)
    if invoice is None:
        abort(404)
    data = money.invoice_pdf(invoice, language=registration.language)
    db.session.commit()  # the PDF is stored on first download
    return pdf_response(data, f"invoice-{invoice.number}.pdf")


@bp.route("/registration/manage/<reference>/<token>/visa", methods=["POST"])
def manage_visa(reference, token):
    def request_letter(registration, form):
        updating = registration.visa_request is not None
        visa.request_visa_letter(
            registration,
            passport_number=form.passport_number.data,
            nationality=form.nationality.data,
            date_of_birth=form.date_of_birth.data,
        )
        if updating:
            return _("Your visa letter details were corrected.")
        return _("Your visa invitation letter was requested.")

    return _manage_action(reference, token, "visa_form", request_letter)


@bp.route("/registration/manage/<reference>/<token>/badge.pdf")
def badge(reference, token):
    registration = _attendee_registration(reference, token)
    return pdf_response(documents.badge_pdf(registration), f"badge-{registration.reference}.pdf")


@bp.route("/registration/manage/<reference>/<token>/receipt.pdf")
def receipt(reference, token):
    registration = _attendee_registration(reference, token)
    return pdf_response(
        documents.receipt_pdf(registration, local_time), f"receipt-{registration.reference}.pdf"
    )


@bp.route("/registration/manage/<reference>/<token>/visa-letter.pdf")
def visa_letter(reference, token):
    registration = _attendee_registration(reference, token)
    return pdf_response(
        documents.visa_letter_pdf(registration, local_time),
        f"invitation-{registration.reference}.pdf",
    )


@bp.route("/registration/manage/<reference>/<token>/qr.svg")
def qr(reference, token):
    registration = _attendee_registration(reference, token)
    response = Response(documents.qr_svg(registration.reference), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/registration/manage/<reference>/<token>/data.json")
def data_export(reference, token):
    registration = _attendee_registration(reference, token)
    response = Response(
        json.dumps(privacy.export_data(registration), indent=2, ensure_ascii=False),
        mimetype="application/json",
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="my-data-{registration.reference}.json"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- a person's professional category (shown on the profile page) ---------------------------------


@bp.route("/profile/category", methods=["GET", "POST"])
@login_required
def profile_category():
    congress = congress_or_404()
    form = ProfileCategoryForm()
    categories = get_categories(congress, active_only=True)
    form.category_id.choices = [(0, "—")] + [(c.id, c.display_name) for c in categories]
    if request.method == "GET":
        current = get_user_category(current_user, congress)
        form.category_id.data = current.id if current else 0
    if form.validate_on_submit():
        try:
            services.set_user_category(current_user, form.category_id.data or None)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Your professional category is saved."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("registration/profile_category.html", form=form)
