"""Registration pages: the blueprint, the public registration form and link request.

The attendee's private manage pages are in attendee_views.py, the organizers' pages in
organizer_views.py and the check-in desk in checkin_views.py; all attach to `bp`."""

from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from conference.congresses.queries import get_policy_links
from conference.congresses.routing import congress_by_id, legacy_congress_resolver
from conference.countries import country_choices
from conference.errors import DomainError
from conference.extensions import db, limiter
from conference.i18n import format_money, format_when
from conference.models import utcnow
from conference.program.queries import get_current_congress
from conference.registration import queries, services, uploads
from conference.registration.fees import fee_at
from conference.registration.forms import (
    LinkRequestForm,
    RegistrationForm,
)
from conference.registration.invoicing import invoicing_available
from conference.registration.limits import limit_web_registration
from conference.registration.payment_instructions import payment_instructions
from conference.registration.queries import get_categories, get_registration
from conference.registration.tokens import is_reference, normalize_reference
from conference.security import mark_personal
from conference.webforms import show_domain_error

bp = Blueprint("registration", __name__)


@legacy_congress_resolver("reference")
def _congress_of_reference(reference: str):
    """Manage links and group orders already emailed lead to their own congress."""
    return congress_by_id(queries.congress_id_of_reference(reference))


@legacy_congress_resolver("code", endpoint="registration.verify_visa_letter")
def _congress_of_visa_code(code: str):
    return congress_by_id(queries.congress_id_of_visa_code(code))


def congress_or_404():
    return get_current_congress() or abort(404)


def local_time(value):
    if value is None:
        return ""
    return format_when(value, "%d %b %Y %H:%M", tz=congress_or_404().tz)


def pdf_response(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- attendee: registering --------------------------------------------------------------------


def _category_choices(congress, now):
    choices, info = [("", _("Choose your category"))], {}
    for category in get_categories(congress, active_only=True):
        amount = fee_at(category, now)[1]
        if amount is None:
            continue
        fee = format_money(amount, congress.currency)
        if category.requires_proof:
            label = _(
                "%(category)s - %(fee)s (proof of status needed)",
                category=category.display_name,
                fee=fee,
            )
        else:
            label = _("%(category)s - %(fee)s", category=category.display_name, fee=fee)
        choices.append((category.slug, label))
        info[category.slug] = category
    return choices, info


def _policy_urls(congress) -> dict[str, str]:
    """{kind: page} of the published policies the accept box links to."""
    return {link.kind.value: link.url for link in get_policy_links(congress)}


@bp.route("/register", methods=["GET", "POST"])
@limit_web_registration
def register():
    congress = congress_or_404()
    now = utcnow()
    form = RegistrationForm()
    form.country.choices = [("", _("Choose your country")), *country_choices()]
    form.invoice_country.choices = [("", _("Choose the country")), *country_choices()]
    form.category.choices, categories_by_slug = _category_choices(congress, now)
    if request.method == "GET":
        form.submission_key.data = secrets.token_urlsafe(24)
        if current_user.is_authenticated:
            first, _space, last = (current_user.name or "").partition(" ")
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
                "voucher",
            )
        }
        try:
            registration, _created = services.register_attendee(
                congress,
                data,
                user=current_user,
                proof=proof,
                submission_key=form.submission_key.data or None,
                invoice_to=form.invoice_to() if form.pay_by_invoice.data else None,
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc, aliases=form.ALIASES)
            if exc.code == "already_registered":
                return render_template(
                    "registration/register.html",
                    form=form,
                    is_open=is_open,
                    already=True,
                    invoicing=invoicing_available(congress),
                    categories=categories_by_slug,
                    policy_urls=_policy_urls(congress),
                )
        else:
            # The manage link goes only by email: whoever typed the address may not own it.
            # This browser may see how to pay (amount and bank details), nothing more.
            session["registered_reference"] = registration.reference
            flash(
                _("Thank you: your reference is %(reference)s.", reference=registration.reference),
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
        invoicing=invoicing_available(congress),
        policy_urls=_policy_urls(congress),
    )


@bp.route("/register/received/<reference>")
def received(reference):
    """Where to look for the manage link (no personal data and no link). The browser that
    just registered also sees how to pay."""
    reference = normalize_reference(reference)
    if not is_reference(reference):
        abort(404)
    how_to_pay = None
    if session.get("registered_reference") == reference:
        registration = get_registration(congress_or_404(), reference)
        how_to_pay = payment_instructions(registration) if registration else None
        mark_personal()
    return render_template("registration/received.html", reference=reference, how_to_pay=how_to_pay)


@bp.route("/registration/link", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def request_link():
    congress = congress_or_404()
    form = LinkRequestForm()
    if form.validate_on_submit():
        services.request_manage_link(congress, form.email.data)
        db.session.commit()
        flash(
            _(
                "If this address has a registration, a new link to manage it is on its way.",
            ),
            "info",
        )
        return redirect(url_for("registration.request_link"))
    return render_template("registration/request_link.html", form=form)


@bp.route("/verify/visa/<code>")
@limiter.limit("60 per minute")
def verify_visa_letter(code):
    """A consulate checks a visa invitation letter: valid or not, with minimal data (the name,
    the congress and its dates; never the passport)."""
    from conference.registration import visa
    from conference.registration.queries import get_visa_request_by_code
    from conference.security import mark_personal

    congress = congress_or_404()
    request_ = get_visa_request_by_code(congress, code)
    valid = visa.letter_is_valid(request_)
    if valid:
        mark_personal()
    return render_template(
        "registration/verify_visa.html",
        valid=valid,
        registration=request_.registration if valid else None,
        code=code[:40],
    ), (200 if valid else 404)


# The other audiences' pages attach their routes to `bp`.
from conference.registration import (  # noqa: E402, F401
    attendee_views,
    checkin_views,
    group_views,
    organizer_views,
)
