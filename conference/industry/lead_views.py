"""Lead retrieval pages: the booth's phone scanner, the company's leads and their CSV."""

from __future__ import annotations

import csv
import io
import secrets

from flask import Response, abort, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.countries import country_name
from conference.errors import DomainError
from conference.extensions import db
from conference.i18n import format_when
from conference.industry import leads, queries
from conference.industry.forms import ScanForm
from conference.industry.views import bp, congress_or_404
from conference.security import mark_personal
from conference.spreadsheet import safe_row
from conference.webforms import show_domain_error


def _sponsor(sponsor_id: int, allowed):
    """404 unless `allowed(sponsor, current_user)`: another company's leads do not exist."""
    sponsor = queries.get_sponsor(congress_or_404(), sponsor_id)
    if sponsor is None or not allowed(sponsor, current_user):
        abort(404)
    return sponsor


def _new_scan_form() -> ScanForm:
    form = ScanForm(formdata=None)
    form.scan_id.data = secrets.token_hex(12)
    return form


def _scan_json(result) -> dict:
    return {
        "scan_id": result.lead.scan_id,
        "created": result.created,
        "is_prescriber": result.is_prescriber,
        "consented": result.is_consented,
        "contact": result.contact,
    }


@bp.route("/sponsor/<int:sponsor_id>/scan", methods=["GET", "POST"])
@login_required
def scan(sponsor_id: int):
    """The booth's phone page: scan a badge (camera or typed reference), see the outcome."""
    sponsor = _sponsor(sponsor_id, leads.can_scan)
    mark_personal()
    wants_json = request.accept_mimetypes.best == "application/json"
    if request.method == "GET":
        return render_template("industry/scan.html", sponsor=sponsor, form=_new_scan_form())
    form = ScanForm()
    result = None
    if form.validate_on_submit():
        try:
            result = leads.record_scan(
                sponsor, form.reference.data, scan_id=form.scan_id.data, by=current_user
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            if wants_json:
                return jsonify(error={"message": exc.message, "fields": exc.fields}), exc.status
            show_domain_error(form, exc)
    if wants_json:
        if result is None:
            return jsonify(error={"message": _("Scan the badge or type its reference.")}), 422
        return jsonify(_scan_json(result)), 201 if result.created else 200
    status = 200 if result is not None else 422
    return render_template(
        "industry/scan.html",
        sponsor=_sponsor(sponsor_id, leads.can_scan),
        form=_new_scan_form() if result is not None else form,
        result=result,
    ), status


@bp.route("/sponsor/<int:sponsor_id>/leads")
@login_required
def lead_list(sponsor_id: int):
    sponsor = _sponsor(sponsor_id, leads.can_see_leads)
    mark_personal()
    return render_template("industry/leads.html", sponsor=sponsor, leads=leads.get_leads(sponsor))


@bp.route("/sponsor/<int:sponsor_id>/leads.csv")
@login_required
def leads_csv(sponsor_id: int):
    """The company's consenting leads as CSV (anonymous scans are counts, not rows)."""
    sponsor = _sponsor(sponsor_id, leads.can_see_leads)
    found = leads.get_leads(sponsor)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["scanned_at", "name", "email", "affiliation", "country", "category", "may_prescribe"]
    )
    for row in found.rows:
        if row.contact is None:
            continue
        contact = row.contact
        writer.writerow(
            safe_row(
                [
                    format_when(row.scanned_at, "%Y-%m-%d %H:%M", tz=sponsor.congress.tz),
                    contact["name"],
                    contact["email"],
                    contact["affiliation"],
                    country_name(contact["country"]),
                    contact["category"],
                    row.is_prescriber,
                ]
            )
        )
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="leads-{sponsor.id}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
