"""The attendee's private pages: the manage page, its actions, documents and data export."""

from __future__ import annotations

import json

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)

from conference.accounts.services import country_choices
from conference.errors import DomainError
from conference.extensions import db
from conference.models import utcnow
from conference.registration import capacity, documents, privacy, proofs, services, uploads
from conference.registration.fees import period_closes_at
from conference.registration.forms import (
    ConfirmForm,
    DetailsForm,
    ProofForm,
)
from conference.registration.privacy import mark_personal
from conference.registration.queries import get_registration
from conference.registration.tokens import token_matches
from conference.registration.views import _congress, _local, _pdf, bp
from conference.webforms import show_domain_error

# -- attendee: the private manage page --------------------------------------------------------


def _attendee_registration(reference: str, token: str):
    registration = get_registration(_congress(), reference)
    if registration is None or not token_matches(registration, token):
        abort(404)
    mark_personal()
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
        "link_form": ConfirmForm(prefix="link"),
        "position": capacity.waitlist_position(registration),
        "refund": services.refund_for(registration, utcnow()),
        "period_closes": period_closes_at(registration.congress, registration.fee_period),
    }


@bp.route("/registration/manage/<reference>/<token>", methods=["GET"])
def manage(reference, token):
    registration = _attendee_registration(reference, token)
    if services.confirm_email(registration):  # the emailed link was opened: the address is theirs
        db.session.commit()
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
        elif action == "link":
            if not context["link_form"].validate_on_submit():
                abort(400)
            services.replace_manage_link(registration)
            db.session.commit()
            flash(
                "Earlier links no longer work, this page's address included. We emailed you "
                "the new link.",
                "success",
            )
            return redirect(url_for("registration.received", reference=reference))
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
