"""Organizer pages: categories, fees and settings; registrations, proofs, payments, badges."""

from __future__ import annotations

import csv
import io
import secrets
from pathlib import PurePath

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from conference.content import services as content
from conference.errors import DomainError
from conference.extensions import db
from conference.models import db_int
from conference.registration import (
    capacity,
    card,
    checkin,
    documents,
    invoicing,
    proofs,
    services,
    uploads,
)
from conference.registration.forms import (
    CategoryForm,
    ConfirmForm,
    PaymentForm,
    SettingsForm,
    VerifyForm,
)
from conference.registration.models import (
    FeePeriod,
    ProfessionalCategory,
    RegistrationStatus,
)
from conference.registration.payments import record_payment
from conference.registration.queries import (
    HOLDING,
    SORTS,
    RegistrationFilters,
    get_badge_registrations,
    get_categories,
    get_proof_queue,
    get_registration,
    get_status_counts,
    get_totals,
    registrations_query,
    sum_totals,
    totals_by_category,
)
from conference.registration.views import bp, congress_or_404, local_time, pdf_response
from conference.security import mark_personal, organizer_required
from conference.spreadsheet import safe_cell
from conference.storage import ObjectNotFound
from conference.webforms import show_domain_error

CATEGORY_FIELDS = (
    "name",
    "slug",
    "description",
    "requires_proof",
    "proof_hint",
    "is_prescriber",
    "is_cme_eligible",
    "is_active",
)


# -- organizer: categories, fees and settings -------------------------------------------------


def _category_items(congress) -> list[dict]:
    """Each category's name, description and proof hint on the congress's content page."""
    items = []
    for category in get_categories(congress):
        for field, label in (
            ("name", _("Category “%(category)s”: name", category=category.name)),
            ("description", _("Category “%(category)s”: description", category=category.name)),
            ("proof_hint", _("Category “%(category)s”: proof asked for", category=category.name)),
        ):
            if field != "name" and not getattr(category, field):
                continue
            items.append(
                {
                    "kind": "category",
                    "id": category.id,
                    "field": field,
                    "label": label,
                    "main": getattr(category, field),
                }
            )
    return items


content.register_kind("category", {}, items=_category_items)


@bp.route("/manage/categories")
@organizer_required
def categories():
    congress = congress_or_404()
    settings = capacity.get_settings(congress)
    taken = capacity.taken_by_category(congress)
    db.session.commit()
    rows = [
        {
            "category": category,
            "taken": taken.get(category.id, 0),
            "remaining": capacity.remaining(settings, category, taken),
        }
        for category in get_categories(congress)
    ]
    return render_template(
        "registration/categories.html", rows=rows, periods=list(FeePeriod), settings=settings
    )


@bp.route("/manage/categories/new", methods=["GET", "POST"])
@bp.route("/manage/categories/<int:category_id>", methods=["GET", "POST"])
@organizer_required
def edit_category(category_id: int | None = None):
    congress = congress_or_404()
    category = db.get_or_404(ProfessionalCategory, category_id) if category_id else None
    if category is not None and category.congress_id != congress.id:
        abort(404)
    form = CategoryForm(obj=category)
    if request.method == "GET" and category is not None:
        for period in FeePeriod:
            amount = category.fee_for(period)
            getattr(form, f"fee_{period.value}").data = "" if amount is None else str(amount)
        form.cancellation_fee.data = str(category.cancellation_fee)
    if form.validate_on_submit():
        data = {name: getattr(form, name).data for name in CATEGORY_FIELDS}
        if form.position.data is not None:
            data["position"] = form.position.data
        fees = {period.value: getattr(form, f"fee_{period.value}").data for period in FeePeriod}
        try:
            if category is None:
                category = services.create_category(congress, **data)
            else:
                if not data["slug"]:
                    data.pop("slug")
                services.update_category(category, **data)
            services.set_category_rules(
                category,
                fees=fees,
                capacity=form.capacity.data,
                cancellation_fee=form.cancellation_fee.data or "0",
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            aliases = {f"fees.{p.value}": f"fee_{p.value}" for p in FeePeriod}
            show_domain_error(form, exc, aliases)
        else:
            flash(_("Category saved."), "success")
            return redirect(url_for("registration.categories"))
    return render_template("registration/edit_category.html", form=form, category=category)


@bp.route("/manage/registration/settings", methods=["GET", "POST"])
@organizer_required
def settings():
    congress = congress_or_404()
    current = capacity.get_settings(congress)
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        try:
            services.update_registration_settings(
                congress,
                capacity=form.capacity.data,
                payment_days=form.payment_days.data,
                offer_hours=form.offer_hours.data,
                proof_hours=form.proof_hours.data,
                # Empty: unchanged (the field came with pay by invoice).
                **(
                    {"invoice_reminder_days": form.invoice_reminder_days.data}
                    if form.invoice_reminder_days.data is not None
                    else {}
                ),
                **(
                    {"group_deadline_days": form.group_deadline_days.data}
                    if form.group_deadline_days.data is not None
                    else {}
                ),
                group_buyer_can_cancel=form.group_buyer_can_cancel.data,
                visa_signatory_name=form.visa_signatory_name.data,
                visa_signatory_title=form.visa_signatory_title.data,
                visa_retention_days=form.visa_retention_days.data,
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Registration settings saved."), "success")
            return redirect(url_for("registration.settings"))
    db.session.commit()
    return render_template(
        "registration/settings.html", form=form, taken=capacity.places_taken(congress)
    )


# -- organizer: registrations -----------------------------------------------------------------


def _filters() -> RegistrationFilters:
    args = request.args
    sort = args.get("sort", "created")
    return RegistrationFilters(
        category=args.get("category", ""),
        status=args.get("status", "")
        if args.get("status", "") in {"", HOLDING, *(s.value for s in RegistrationStatus)}
        else "",
        country=args.get("country", "")[:2],
        checked_in=args.get("checked_in", "") if args.get("checked_in") in ("yes", "no") else "",
        q=args.get("q", "")[:120],
        sort=sort if sort in SORTS else "created",
        direction="asc" if args.get("direction") == "asc" else "desc",
    )


@bp.route("/manage/registrations")
@organizer_required
def registrations():
    congress = congress_or_404()
    mark_personal()
    filters = _filters()
    pagination = db.paginate(
        registrations_query(congress, filters),
        page=request.args.get("page", 1, type=db_int),
        per_page=50,
        error_out=False,
    )
    return render_template(
        "registration/list.html",
        pagination=pagination,
        filters=filters,
        categories=get_categories(congress),
        statuses=list(RegistrationStatus),
        counts=get_status_counts(congress),
        sorts=list(SORTS),
        sort_labels={
            "created": _("Registered"),
            "name": _("Name"),
            "reference": _("Reference"),
            "status": _("Status"),
            "country": _("Country"),
            "category": _("Category"),
            "checked_in": _("Checked in"),
        },
    )


CSV_COLUMNS = (
    "reference",
    "status",
    "first_name",
    "last_name",
    "email",
    "affiliation",
    "country",
    "category",
    "fee_period",
    "fee",
    "currency",
    "paid",
    "due",
    "voucher",
    "voucher_discount",
    "badge_name",
    "dietary",
    "accessibility",
    "share_with_exhibitors",
    "registered_at",
    "checked_in_at",
)


@bp.route("/manage/registrations.csv")
@organizer_required
def registrations_csv():
    congress = congress_or_404()
    mark_personal()
    rows = db.session.scalars(registrations_query(congress, _filters())).unique()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                safe_cell(value)
                for value in (
                    r.reference,
                    r.status.value,
                    r.first_name,
                    r.last_name,
                    r.email,
                    r.affiliation,
                    r.country,
                    r.category.name,
                    r.fee_period.value,
                    r.fee_amount,
                    r.currency,
                    r.amount_paid,
                    r.amount_due,
                    r.voucher_code or "",
                    r.voucher_discount if r.voucher_code else "",
                    r.badge_name,
                    r.dietary,
                    r.accessibility,
                    "yes" if r.share_with_exhibitors else "no",
                    local_time(r.created_at),
                    local_time(r.checked_in_at),
                )
            ]
        )
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{congress.short_name}-registrations.csv"'
    )
    return response


@bp.route("/manage/registrations/totals")
@organizer_required
def totals():
    congress = congress_or_404()
    rows = get_totals(congress)
    return render_template(
        "registration/totals.html",
        totals=rows,
        by_category=totals_by_category(rows),
        grand_total=sum_totals(rows),
        counts=get_status_counts(congress),
        holding=HOLDING,
    )


@bp.route("/manage/registrations/proofs")
@organizer_required
def proof_queue():
    mark_personal()
    return render_template("registration/proofs.html", queue=get_proof_queue(congress_or_404()))


@bp.route("/manage/registrations/badges.pdf")
@organizer_required
def all_badges():
    congress = congress_or_404()
    return pdf_response(
        documents.badges_pdf(get_badge_registrations(congress)), f"{congress.short_name}-badges.pdf"
    )


def _organizer_registration(reference):
    registration = get_registration(congress_or_404(), reference)
    if registration is None:
        abort(404)
    mark_personal()
    return registration


def _detail_context(registration):
    payment_form = PaymentForm(prefix="payment")
    if not payment_form.idempotency_key.data:
        payment_form.idempotency_key.data = secrets.token_urlsafe(24)
    if not payment_form.amount.data and registration.amount_due:
        payment_form.amount.data = str(registration.amount_due)
    return {
        "registration": registration,
        "payment_form": payment_form,
        "verify_form": VerifyForm(prefix="verify"),
        "cancel_form": ConfirmForm(prefix="cancel"),
        "checkin_form": ConfirmForm(prefix="checkin"),
        "link_form": ConfirmForm(prefix="link"),
        "position": capacity.waitlist_position(registration),
        "card_checkouts": card.checkouts_of(registration),
        "refund_form": ConfirmForm(prefix="card-refund"),
        "invoice": (
            invoicing.get_invoice(registration) if registration.invoice_requested_at else None
        ),
    }


@bp.route("/manage/registrations/<reference>")
@organizer_required
def detail(reference):
    registration = _organizer_registration(reference)
    return render_template("registration/detail.html", **_detail_context(registration))


def _detail_action(reference: str, form_name: str, act, *, confirm: bool = False):
    """Validate one form of a registration's page, run `act(registration, form)` (returns the
    message to flash) and commit; a service's DomainError shows next to the form's fields."""
    registration = _organizer_registration(reference)
    context = _detail_context(registration)
    form = context[form_name]
    if not form.validate_on_submit() or (confirm and not form.confirm.data):
        if confirm:
            form.confirm.errors = ["Tick the box to confirm."]
        return render_template("registration/detail.html", **context), 422
    try:
        message = act(registration, form)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        context = _detail_context(_organizer_registration(reference))
        show_domain_error(context[form_name], exc)
        return render_template("registration/detail.html", **context), exc.status
    flash(message, "success")
    return redirect(url_for("registration.detail", reference=reference))


@bp.route("/manage/registrations/<reference>/payment", methods=["POST"])
@organizer_required
def record_payment_action(reference):
    def record(registration, form):
        record_payment(
            registration,
            kind=form.kind.data,
            amount=form.amount.data,
            note=form.note.data,
            by=current_user,
            idempotency_key=form.idempotency_key.data or None,
        )
        return _("Payment recorded.")

    return _detail_action(reference, "payment_form", record)


@bp.route(
    "/manage/registrations/<reference>/card-payments/<int:checkout_id>/refund", methods=["POST"]
)
@organizer_required
def refund_card_payment(reference, checkout_id):
    def refund(registration, form):
        card.refund_held_payment(registration, checkout_id)
        return _("The card payment was refunded through the payment service.")

    return _detail_action(reference, "refund_form", refund)


@bp.route("/manage/registrations/<reference>/verify", methods=["POST"])
@organizer_required
def verify_proof(reference):
    def decide(registration, form):
        if form.decision.data == "approve":
            proofs.approve_proof(registration, current_user)
            return _("Proof approved.")
        proofs.refuse_proof(registration, current_user, form.reason.data)
        return _("Proof refused; the attendee was told why.")

    return _detail_action(reference, "verify_form", decide)


@bp.route("/manage/registrations/<reference>/cancel", methods=["POST"])
@organizer_required
def cancel(reference):
    def cancel_it(registration, form):
        services.cancel_registration(registration, by=current_user, reason=form.reason.data)
        return _("Registration cancelled.")

    return _detail_action(reference, "cancel_form", cancel_it, confirm=True)


@bp.route("/manage/registrations/<reference>/check-in", methods=["POST"])
@organizer_required
def check_in(reference):
    def check_in_now(registration, form):
        checkin.check_in(registration, by=current_user)
        return _("Checked in.")

    return _detail_action(reference, "checkin_form", check_in_now)


@bp.route("/manage/registrations/<reference>/replace-link", methods=["POST"])
@organizer_required
def replace_link(reference):
    def replace(registration, form):
        services.replace_manage_link(registration, by=current_user)
        return _("Earlier manage links no longer work; the attendee was emailed a new one.")

    return _detail_action(reference, "link_form", replace)


@bp.route("/manage/registrations/<reference>/badge.pdf")
@organizer_required
def registration_badge(reference):
    """One person's A6 badge, inline: it opens in the browser's PDF viewer to print."""
    registration = _organizer_registration(reference)
    return pdf_response(documents.badge_pdf(registration), f"badge-{registration.reference}.pdf")


@bp.route("/manage/registrations/<reference>/receipt.pdf")
@organizer_required
def registration_receipt(reference):
    registration = _organizer_registration(reference)
    return pdf_response(
        documents.receipt_pdf(registration, local_time), f"receipt-{registration.reference}.pdf"
    )


@bp.route("/manage/registrations/<reference>/visa-letter.pdf")
@organizer_required
def registration_visa_letter(reference):
    registration = _organizer_registration(reference)
    return pdf_response(
        documents.visa_letter_pdf(registration, local_time),
        f"invitation-{registration.reference}.pdf",
    )


@bp.route("/manage/registrations/<reference>/proof-file")
@organizer_required
def proof_file(reference):
    registration = _organizer_registration(reference)
    if not registration.proof_file:
        abort(404)
    try:
        data = uploads.read_proof(registration.proof_file)
    except ObjectNotFound:
        abort(404)
    return send_file(
        io.BytesIO(data),
        mimetype=registration.proof_content_type or "application/octet-stream",
        as_attachment=True,
        download_name=f"proof-{registration.reference}{PurePath(registration.proof_file).suffix}",
        max_age=0,
    )
