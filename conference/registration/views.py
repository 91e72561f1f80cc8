"""Registration pages: categories and fees, the registration form, the attendee's manage page,
and the organizers' list, proof queue, payments, badges and check-in desk."""

from __future__ import annotations

import csv
import io
import json
import secrets

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user, login_required

from conference.countries import country_choices
from conference.errors import Conflict, DomainError
from conference.extensions import db, limiter
from conference.models import db_int, utcnow
from conference.program.queries import get_current_congress
from conference.registration import capacity, checkin, documents, privacy, proofs, services, uploads
from conference.registration.fees import fee_at, period_closes_at
from conference.registration.forms import (
    CategoryForm,
    CheckInForm,
    ConfirmForm,
    DetailsForm,
    LinkRequestForm,
    PaymentForm,
    ProfileCategoryForm,
    ProofForm,
    RegistrationForm,
    SettingsForm,
    VerifyForm,
)
from conference.registration.models import (
    FeePeriod,
    ProfessionalCategory,
    ProofStatus,
    RegistrationStatus,
)
from conference.registration.payments import record_payment
from conference.registration.queries import (
    SORTS,
    RegistrationFilters,
    get_badge_registrations,
    get_categories,
    get_checkin_counts,
    get_proof_queue,
    get_registration,
    get_status_counts,
    get_totals,
    get_user_category,
    registrations_query,
    search_registrations,
)
from conference.registration.tokens import manage_path, token_matches
from conference.security import organizer_required
from conference.spreadsheet import safe_cell
from conference.timeutil import to_local
from conference.webforms import show_domain_error

bp = Blueprint("registration", __name__)

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


def _congress():
    return get_current_congress() or abort(404)


def _local(value):
    if value is None:
        return ""
    return to_local(value, _congress().tz).strftime("%d %b %Y %H:%M")


def _pdf(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- organizer: categories, fees and settings -------------------------------------------------


@bp.route("/manage/categories")
@organizer_required
def categories():
    congress = _congress()
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
    congress = _congress()
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
            flash("Category saved.", "success")
            return redirect(url_for("registration.categories"))
    return render_template("registration/edit_category.html", form=form, category=category)


@bp.route("/manage/registration/settings", methods=["GET", "POST"])
@organizer_required
def settings():
    congress = _congress()
    current = capacity.get_settings(congress)
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        try:
            services.update_registration_settings(
                congress,
                capacity=form.capacity.data,
                payment_days=form.payment_days.data,
                offer_hours=form.offer_hours.data,
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash("Registration settings saved.", "success")
            return redirect(url_for("registration.settings"))
    db.session.commit()
    return render_template(
        "registration/settings.html", form=form, taken=capacity.places_taken(congress)
    )


# -- attendee: registering --------------------------------------------------------------------


def _category_choices(congress, now):
    choices, info = [("", "Choose your category")], {}
    for category in get_categories(congress, active_only=True):
        amount = fee_at(category, now)[1]
        if amount is None:
            continue
        label = f"{category.name} - {amount} {congress.currency}"
        if category.requires_proof:
            label += " (proof of status needed)"
        choices.append((category.slug, label))
        info[category.slug] = category
    return choices, info


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def register():
    congress = _congress()
    now = utcnow()
    form = RegistrationForm()
    form.country.choices = [("", "Choose your country"), *country_choices()]
    form.category.choices, categories_by_slug = _category_choices(congress, now)
    if request.method == "GET":
        form.submission_key.data = secrets.token_urlsafe(24)
        if current_user.is_authenticated:
            first, _, last = (current_user.name or "").partition(" ")
            form.first_name.data, form.last_name.data = first, last
            form.email.data = current_user.email
            form.affiliation.data = current_user.affiliation
            form.country.data = current_user.country
    is_open = services.registration_is_open(congress, now)
    if form.validate_on_submit():
        proof = None
        if form.proof.data and getattr(form.proof.data, "filename", ""):
            proof = (form.proof.data.filename, form.proof.data.read(uploads.MAX_PROOF_BYTES + 1))
        data = {
            name: getattr(form, name).data
            for name in (
                "first_name",
                "last_name",
                "email",
                "affiliation",
                "country",
                "category",
                "badge_name",
                "dietary",
                "accessibility",
                "share_with_exhibitors",
                "accept_terms",
            )
        }
        category = categories_by_slug.get(form.category.data)
        if category is not None and category.requires_proof and proof is None:
            form.proof.errors = ["This category needs proof of status: upload it here."]
        else:
            try:
                registration, _ = services.register_attendee(
                    congress,
                    data,
                    user=current_user,
                    proof=proof,
                    submission_key=form.submission_key.data or None,
                )
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                show_domain_error(form, exc)
                if exc.code == "already_registered":
                    return render_template(
                        "registration/register.html",
                        form=form,
                        is_open=is_open,
                        already=True,
                        categories=categories_by_slug,
                    )
            else:
                session[f"manage:{registration.reference}"] = manage_path(registration)
                flash(
                    f"Thank you: your reference is {registration.reference}. We emailed you the "
                    "private link to this page.",
                    "success",
                )
                return redirect(url_for("registration.received", reference=registration.reference))
    return render_template(
        "registration/register.html",
        form=form,
        is_open=is_open,
        # Shown only while registration is not open yet (after it closes: "closed").
        opens=(
            congress.registration_opens_at
            if congress.registration_opens_at and now < congress.registration_opens_at
            else None
        ),
        already=False,
        categories=categories_by_slug,
    )


@bp.route("/register/received/<reference>")
def received(reference):
    path = session.get(f"manage:{reference}")
    if not path:
        abort(404)
    return redirect(path)


@bp.route("/registration/link", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def request_link():
    congress = _congress()
    form = LinkRequestForm()
    if form.validate_on_submit():
        services.request_manage_link(congress, form.email.data)
        db.session.commit()
        flash(
            "If this address has a registration, a new link to manage it is on its way.",
            "info",
        )
        return redirect(url_for("registration.request_link"))
    return render_template("registration/request_link.html", form=form)


# -- attendee: the private manage page --------------------------------------------------------


def _attendee_registration(reference: str, token: str):
    registration = get_registration(_congress(), reference)
    if registration is None or not token_matches(registration, token):
        abort(404)
    return registration


def _manage_context(registration, token):
    details = DetailsForm(obj=registration, prefix="details")
    details.country.choices = country_choices()
    return {
        "registration": registration,
        "token": token,
        "details": details,
        "proof_form": ProofForm(prefix="proof"),
        "cancel_form": ConfirmForm(prefix="cancel"),
        "erase_form": ConfirmForm(prefix="erase"),
        "position": capacity.waitlist_position(registration),
        "refund": services.refund_for(registration, utcnow()),
        "period_closes": period_closes_at(registration.congress, registration.fee_period),
    }


@bp.route("/registration/manage/<reference>/<token>", methods=["GET"])
def manage(reference, token):
    registration = _attendee_registration(reference, token)
    return render_template("registration/manage.html", **_manage_context(registration, token))


@bp.route("/registration/manage/<reference>/<token>/<action>", methods=["POST"])
def manage_action(reference, token, action):
    registration = _attendee_registration(reference, token)
    context = _manage_context(registration, token)
    try:
        if action == "details":
            form = context["details"]
            if not form.validate_on_submit():
                return render_template("registration/manage.html", **context), 422
            services.update_details(
                registration,
                {name: getattr(form, name).data for name in services.TEXT_LIMITS}
                | {
                    "country": form.country.data,
                    "share_with_exhibitors": form.share_with_exhibitors.data,
                },
            )
            message = "Your details were saved."
        elif action == "proof":
            form = context["proof_form"]
            if not form.validate_on_submit() or not getattr(form.proof.data, "filename", ""):
                form.proof.errors = ["Choose a file to upload."]
                return render_template("registration/manage.html", **context), 422
            data = form.proof.data.read(uploads.MAX_PROOF_BYTES + 1)
            proofs.upload_proof(registration, form.proof.data.filename, data)
            message = "Your proof of status was uploaded; an organizer will check it."
        elif action in ("cancel", "erase"):
            form = context[f"{action}_form"]
            if not form.validate_on_submit() or not form.confirm.data:
                form.confirm.errors = ["Tick the box to confirm."]
                return render_template("registration/manage.html", **context), 422
            if action == "cancel":
                services.cancel_registration(registration, reason=form.reason.data)
                message = "Your registration is cancelled."
            else:
                privacy.erase_registration(registration)
                db.session.commit()
                flash("Your personal data was erased. Thank you.", "success")
                return redirect(url_for("program.home"))
        else:
            abort(404)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        registration = _attendee_registration(reference, token)
        context = _manage_context(registration, token)
        form_name = {"details": "details", "proof": "proof_form"}.get(action, f"{action}_form")
        show_domain_error(context[form_name], exc)
        return render_template("registration/manage.html", **context), exc.status
    flash(message, "success")
    return redirect(url_for("registration.manage", reference=reference, token=token))


@bp.route("/registration/manage/<reference>/<token>/badge.pdf")
def badge(reference, token):
    registration = _attendee_registration(reference, token)
    return _pdf(documents.badge_pdf(registration), f"badge-{registration.reference}.pdf")


@bp.route("/registration/manage/<reference>/<token>/receipt.pdf")
def receipt(reference, token):
    registration = _attendee_registration(reference, token)
    return _pdf(
        documents.receipt_pdf(registration, _local), f"receipt-{registration.reference}.pdf"
    )


@bp.route("/registration/manage/<reference>/<token>/visa-letter.pdf")
def visa_letter(reference, token):
    registration = _attendee_registration(reference, token)
    return _pdf(
        documents.visa_letter_pdf(registration, _local), f"invitation-{registration.reference}.pdf"
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


# -- organizer: registrations -----------------------------------------------------------------


def _filters() -> RegistrationFilters:
    args = request.args
    sort = args.get("sort", "created")
    return RegistrationFilters(
        category=args.get("category", ""),
        status=args.get("status", "")
        if args.get("status", "") in {"", *(s.value for s in RegistrationStatus)}
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
    congress = _congress()
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
    congress = _congress()
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
                    r.badge_name,
                    r.dietary,
                    r.accessibility,
                    "yes" if r.share_with_exhibitors else "no",
                    _local(r.created_at),
                    _local(r.checked_in_at),
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
    congress = _congress()
    return render_template(
        "registration/totals.html", totals=get_totals(congress), counts=get_status_counts(congress)
    )


@bp.route("/manage/registrations/proofs")
@organizer_required
def proof_queue():
    return render_template("registration/proofs.html", queue=get_proof_queue(_congress()))


@bp.route("/manage/registrations/badges.pdf")
@organizer_required
def all_badges():
    congress = _congress()
    return _pdf(
        documents.badges_pdf(get_badge_registrations(congress)), f"{congress.short_name}-badges.pdf"
    )


def _organizer_registration(reference):
    registration = get_registration(_congress(), reference)
    if registration is None:
        abort(404)
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
        "position": capacity.waitlist_position(registration),
    }


@bp.route("/manage/registrations/<reference>")
@organizer_required
def detail(reference):
    registration = _organizer_registration(reference)
    return render_template("registration/detail.html", **_detail_context(registration))


@bp.route("/manage/registrations/<reference>/<action>", methods=["POST"])
@organizer_required
def detail_action(reference, action):
    registration = _organizer_registration(reference)
    context = _detail_context(registration)
    try:
        if action == "payment":
            form = context["payment_form"]
            if not form.validate_on_submit():
                return render_template("registration/detail.html", **context), 422
            record_payment(
                registration,
                kind=form.kind.data,
                amount=form.amount.data,
                note=form.note.data,
                by=current_user,
                idempotency_key=form.idempotency_key.data or None,
            )
            message = "Payment recorded."
        elif action == "verify":
            form = context["verify_form"]
            if not form.validate_on_submit():
                return render_template("registration/detail.html", **context), 422
            if form.decision.data == "approve":
                proofs.approve_proof(registration, current_user)
                message = "Proof approved."
            else:
                proofs.refuse_proof(registration, current_user, form.reason.data)
                message = "Proof refused; the attendee was told why."
        elif action == "cancel":
            form = context["cancel_form"]
            if not form.validate_on_submit() or not form.confirm.data:
                form.confirm.errors = ["Tick the box to confirm."]
                return render_template("registration/detail.html", **context), 422
            services.cancel_registration(registration, by=current_user, reason=form.reason.data)
            message = "Registration cancelled."
        elif action == "check-in":
            if not context["checkin_form"].validate_on_submit():
                abort(400)
            checkin.check_in(registration, by=current_user)
            message = "Checked in."
        else:
            abort(404)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        registration = _organizer_registration(reference)
        context = _detail_context(registration)
        form_name = {
            "payment": "payment_form",
            "verify": "verify_form",
            "cancel": "cancel_form",
        }.get(action, "checkin_form")
        show_domain_error(context[form_name], exc)
        return render_template("registration/detail.html", **context), exc.status
    flash(message, "success")
    return redirect(url_for("registration.detail", reference=reference))


@bp.route("/manage/registrations/<reference>/proof-file")
@organizer_required
def proof_file(reference):
    registration = _organizer_registration(reference)
    if not registration.proof_file:
        abort(404)
    path = uploads.proof_path(registration.proof_file)
    if not path.exists():
        abort(404)
    return send_file(
        path,
        mimetype=registration.proof_content_type or "application/octet-stream",
        as_attachment=True,
        download_name=f"proof-{registration.reference}{path.suffix}",
        max_age=0,
    )


# -- organizer: the check-in desk -------------------------------------------------------------


@bp.route("/manage/check-in", methods=["GET", "POST"])
@organizer_required
def checkin_desk():
    congress = _congress()
    form = CheckInForm()
    result = None
    matches = []
    status = 200
    if form.validate_on_submit():
        query = form.query.data.strip()
        found = get_registration(congress, query)
        if found is None:
            matches = search_registrations(congress, query)
            if len(matches) == 1:
                found = matches[0]
        if found is not None:
            matches = []
            try:
                checkin.check_in(found, by=current_user)
                db.session.commit()
                result = {"ok": True, "registration": found, "message": "Checked in: welcome!"}
            except Conflict as exc:
                db.session.rollback()
                found = get_registration(congress, found.reference)
                message = exc.message
                if exc.code == "already_checked_in":
                    message = f"Already checked in at {_local(found.checked_in_at)}."
                result = {"ok": False, "registration": found, "message": message}
                status = 409
            form.query.data = ""
        elif not matches:
            form.query.errors = [f"No registration matches {query!r}."]
            status = 404
    return render_template(
        "registration/checkin.html",
        form=form,
        result=result,
        matches=matches,
        counts=get_checkin_counts(congress),
        ProofStatus=ProofStatus,
    ), status


@bp.route("/manage/check-in/counts")
@organizer_required
def checkin_counts():
    return jsonify(get_checkin_counts(_congress()))


# -- a person's professional category (shown on the profile page) ---------------------------------


@bp.route("/profile/category", methods=["GET", "POST"])
@login_required
def profile_category():
    congress = _congress()
    form = ProfileCategoryForm()
    categories = get_categories(congress, active_only=True)
    form.category_id.choices = [(0, "—")] + [(c.id, c.name) for c in categories]
    if request.method == "GET":
        current = get_user_category(current_user)
        form.category_id.data = current.id if current else 0
    if form.validate_on_submit():
        try:
            services.set_user_category(current_user, form.category_id.data or None)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash("Your professional category is saved.", "success")
            return redirect(url_for("accounts.profile"))
    return render_template("registration/profile_category.html", form=form)
