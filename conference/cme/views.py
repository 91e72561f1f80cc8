"""CME pages: a person's disclosure (signed link or account), the CME officer's review and
mitigation, the settings, and the disclosure slide of an accredited session."""

from __future__ import annotations

from functools import wraps

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.cme import attendance, bulk, certificates, queries, services
from conference.cme import reports as cme_reports
from conference.cme.forms import (
    BLANK_ROWS,
    ActionForm,
    DisclosureForm,
    LinkRequestForm,
    OwnerExceptionForm,
    ReviewForm,
    SettingsForm,
)
from conference.cme.models import (
    FACULTY_ROLE_LABELS,
    MITIGATION_LABELS,
    OWNER_EXCEPTION_LABELS,
    RELEVANCE_LABELS,
    can_review_disclosures,
)
from conference.cme.slides import disclosure_slide_pdf
from conference.errors import DomainError
from conference.extensions import db
from conference.program.queries import get_current_congress, get_rooms
from conference.security import mark_personal, organizer_required
from conference.webforms import show_domain_error

bp = Blueprint("cme", __name__)


def _congress():
    congress = get_current_congress()
    if congress is None:
        abort(404, "No congress is set up yet.")
    return congress


def cme_officer_required(view):
    """The CME officer (or an organizer) only; others 403, visitors to the login page."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not can_review_disclosures(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


# -- the person's own disclosure ----------------------------------------------------------------


def _dead_link(expired: bool):
    page = render_template(
        "errors/dead_link.html",
        heading=_("This disclosure link no longer works"),
        problem=_("The link has expired.")
        if expired
        else _("The link was replaced by a newer one, or it was copied incompletely."),
        remedy=_(
            "Enter your email address and, if you are asked to disclose for this congress, we "
            "will email you a working link."
        ),
        form=LinkRequestForm(),
        action=url_for("cme.request_link"),
        help=None,
    )
    return make_response(page, 410 if expired else 404)


def _fill_form(form: DisclosureForm, disclosure, suggested: list[dict]) -> None:
    form.nothing_to_disclose.data = disclosure.nothing_to_disclose
    form.owner_employee_of.data = disclosure.owner_employee_of
    while len(form.relationships):
        form.relationships.pop_entry()
    for item in suggested:
        form.relationships.append_entry(item)
    for r in disclosure.relationships:
        form.relationships.append_entry(
            {
                "company": r.company,
                "nature": r.nature,
                "started_on": r.started_on.isoformat(),
                "ended_on": r.ended_on.isoformat() if r.ended_on else "",
            }
        )
    for _i in range(BLANK_ROWS):
        form.relationships.append_entry()


def _place_errors(form: DisclosureForm, exc: DomainError) -> None:
    """Field errors of the service next to their row's field; the rest next to the form."""
    rows = [row for row in form.relationships if not row.form.is_blank]
    for name, messages in exc.fields.items():
        parts = name.split(".")
        if parts[0] == "relationships" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(rows):
                target = getattr(rows[index].form, parts[2], None)
                if target is not None:
                    target.errors = list(target.errors) + list(messages)
                    continue
        target = getattr(form, name, None) if name == "owner_employee_of" else None
        target = target or form.nothing_to_disclose
        target.errors = list(target.errors) + list(messages)
    flash(exc.message, "danger")


def _render_disclosure(congress, disclosure, form, token, status=200, suggested=()):
    mark_personal()
    return render_template(
        "cme/disclosure.html",
        congress=congress,
        disclosure=disclosure,
        form=form,
        token=token,
        closes_at=queries.disclosure_closes_at(congress, disclosure.email),
        person=queries.get_required_person(congress, disclosure.email),
        role_labels=FACULTY_ROLE_LABELS,
        suggested=bool(suggested),
    ), status


@bp.route("/cme/disclosure/<token>", methods=["GET", "POST"])
def disclosure_form(token: str):
    """The person's disclosure, reached by the signed link from their invitation."""
    congress = _congress()
    try:
        disclosure = services.disclosure_for_token(congress, token)
    except services.DeadLink as dead:
        return _dead_link(dead.expired)
    form = DisclosureForm()
    if not form.is_submitted():
        suggested = queries.get_suggested_relationships(congress, disclosure)
        _fill_form(form, disclosure, suggested)
        return _render_disclosure(congress, disclosure, form, token, suggested=suggested)
    if not form.validate():
        return _render_disclosure(congress, disclosure, form, token, 422)
    rows = [row.form.data for row in form.relationships if not row.form.is_blank]
    try:
        services.submit_disclosure(
            disclosure,
            nothing_to_disclose=form.nothing_to_disclose.data,
            relationships=rows,
            owner_employee_of=form.owner_employee_of.data or "",
        )
    except DomainError as exc:
        db.session.rollback()
        _place_errors(form, exc)
        return _render_disclosure(congress, disclosure, form, token, exc.status)
    db.session.commit()
    flash(_("Thank you: your disclosure is recorded."), "success")
    return redirect(url_for("cme.disclosure_form", token=token))


@bp.route("/cme/my-disclosure")
@login_required
def my_disclosure():
    """A signed-in person who must disclose goes to their own disclosure."""
    congress = _congress()
    disclosure = queries.get_disclosure_by_email(congress, current_user.email)
    if disclosure is None:
        person = queries.get_required_person(congress, current_user.email)
        if person is None:
            return render_template("cme/not_asked.html", congress=congress)
        disclosure = services.ensure_disclosure(
            congress, person.email, person.name, current_user.id
        )
        db.session.commit()
    return redirect(url_for("cme.disclosure_form", token=services.disclosure_token(disclosure)))


@bp.route("/cme/disclosure-link", methods=["POST"])
def request_link():
    congress = _congress()
    form = LinkRequestForm()
    if not form.validate_on_submit():
        return _dead_link(False)
    services.send_new_link(congress, form.email.data)
    db.session.commit()
    flash(
        _(
            "If this address is asked to disclose for this congress, a new link is on its way "
            "to it."
        ),
        "info",
    )
    return redirect(url_for("program.public_program"))


# -- the CME officer ---------------------------------------------------------------------------


@bp.route("/manage/cme/disclosures")
@cme_officer_required
def disclosures():
    congress = _congress()
    return render_template(
        "cme/disclosures.html",
        congress=congress,
        rows=queries.get_overview(congress),
        status_labels=queries.STATUS_LABELS,
        role_labels=FACULTY_ROLE_LABELS,
        settings=queries.get_settings(congress),
        action_form=ActionForm(),
    )


@bp.route("/manage/cme/disclosures/invite", methods=["POST"])
@cme_officer_required
def invite():
    congress = _congress()
    if ActionForm().validate_on_submit():
        result = services.send_invitations(congress)
        db.session.commit()
        flash(_("Invitations queued: %(count)s.", count=result.invited), "success")
    return redirect(url_for("cme.disclosures"))


@bp.route("/manage/cme/disclosures/remind", methods=["POST"])
@cme_officer_required
def remind():
    congress = _congress()
    if ActionForm().validate_on_submit():
        result = services.send_reminders(congress)
        db.session.commit()
        flash(_("Reminders queued: %(count)s.", count=result.reminded), "success")
    return redirect(url_for("cme.disclosures"))


def _owner_form(disclosure, formdata=None) -> OwnerExceptionForm:
    if formdata is not None:
        return OwnerExceptionForm(prefix="owner")
    form = OwnerExceptionForm(prefix="owner", formdata=None)
    form.exception.data = disclosure.owner_exception or ""
    form.note.data = disclosure.owner_exception_note
    return form


def _render_review(congress, disclosure, forms, status=200, owner_form=None):
    return render_template(
        "cme/review.html",
        congress=congress,
        disclosure=disclosure,
        forms=forms,
        owner_form=owner_form or _owner_form(disclosure),
        owner_exception_labels=OWNER_EXCEPTION_LABELS,
        person=queries.get_required_person(congress, disclosure.email),
        role_labels=FACULTY_ROLE_LABELS,
        relevance_labels=RELEVANCE_LABELS,
        mitigation_labels=MITIGATION_LABELS,
    ), status


def _review_form(relationship, formdata=None) -> ReviewForm:
    prefix = f"r{relationship.id}"
    if formdata is not None:
        return ReviewForm(prefix=prefix)
    form = ReviewForm(prefix=prefix, formdata=None)
    if relationship.relevance != "pending":
        form.relevance.data = str(relationship.relevance)
    form.mitigation.data = str(relationship.mitigation or "")
    form.peer_reviewer.data = relationship.peer_reviewer
    form.note.data = relationship.note
    return form


@bp.route("/manage/cme/disclosures/<int:disclosure_id>")
@cme_officer_required
def review(disclosure_id: int):
    congress = _congress()
    disclosure = queries.get_disclosure(congress, disclosure_id)
    if disclosure is None:
        abort(404)
    forms = {r.id: _review_form(r) for r in disclosure.relationships}
    return _render_review(congress, disclosure, forms)


@bp.route("/manage/cme/disclosures/<int:disclosure_id>/owner-exception", methods=["POST"])
@cme_officer_required
def owner_exception(disclosure_id: int):
    """Record (or withdraw) the allowed case of an owner or employee of an ineligible company."""
    congress = _congress()
    disclosure = queries.get_disclosure(congress, disclosure_id)
    if disclosure is None:
        abort(404)
    forms = {r.id: _review_form(r) for r in disclosure.relationships}
    form = _owner_form(disclosure, formdata=True)
    if not form.validate_on_submit():
        return _render_review(congress, disclosure, forms, 422, owner_form=form)
    try:
        services.record_owner_exception(
            disclosure, current_user, exception=form.exception.data, note=form.note.data
        )
    except DomainError as exc:
        db.session.rollback()
        show_domain_error(form, exc)
        return _render_review(congress, disclosure, forms, exc.status, owner_form=form)
    db.session.commit()
    flash(_("The allowed case for %(name)s is recorded.", name=disclosure.name), "success")
    return redirect(url_for("cme.review", disclosure_id=disclosure.id))


@bp.route("/manage/cme/relationships/<int:relationship_id>", methods=["POST"])
@cme_officer_required
def review_relationship(relationship_id: int):
    congress = _congress()
    relationship = queries.get_relationship(congress, relationship_id)
    if relationship is None:
        abort(404)
    disclosure = relationship.disclosure
    forms = {r.id: _review_form(r) for r in disclosure.relationships}
    form = _review_form(relationship, formdata=True)
    forms[relationship.id] = form
    if not form.validate_on_submit():
        return _render_review(congress, disclosure, forms, 422)
    try:
        services.review_relationship(
            relationship,
            current_user,
            relevance=form.relevance.data,
            mitigation=form.mitigation.data,
            peer_reviewer=form.peer_reviewer.data,
            note=form.note.data,
        )
    except DomainError as exc:
        db.session.rollback()
        show_domain_error(form, exc)
        return _render_review(congress, disclosure, forms, exc.status)
    db.session.commit()
    flash(_("Review of %(company)s recorded.", company=relationship.company), "success")
    return redirect(url_for("cme.review", disclosure_id=disclosure.id))


@bp.route("/manage/cme/settings", methods=["GET", "POST"])
@organizer_required
def settings():
    congress = _congress()
    current = queries.get_settings(congress)
    form = SettingsForm(obj=current)
    if not form.validate_on_submit():
        return render_template(
            "cme/settings.html", form=form, settings=current
        ), 422 if form.errors else 200
    try:
        services.update_settings(
            congress,
            accreditor=form.accreditor.data,
            requires_mitigation=form.requires_mitigation.data,
            link_days=form.link_days.data,
            reminder_days=form.reminder_days.data,
            separation_minutes=form.separation_minutes.data,
            credit_mode=form.credit_mode.data,
            half_day_cap=form.half_day_cap.data,
            day_cap=form.day_cap.data,
            requires_evaluation=form.requires_evaluation.data,
            evaluation_threshold=form.evaluation_threshold.data,
            certificate_window_days=form.certificate_window_days.data,
            retention_years=form.retention_years.data,
        )
    except DomainError as exc:
        db.session.rollback()
        show_domain_error(form, exc)
        return render_template("cme/settings.html", form=form, settings=current), exc.status
    db.session.commit()
    flash(_("CME settings saved."), "success")
    return redirect(url_for("cme.settings"))


# -- attendance: the door scanning page ------------------------------------------------------


@bp.route("/manage/cme/scan")
@cme_officer_required
def scan_page():
    """Door staff scan badges in and out of a room; works offline (static/js/cme-scan.js)."""
    congress = _congress()
    return render_template("cme/scan.html", congress=congress, rooms=get_rooms(congress))


@bp.route("/manage/cme/scans", methods=["POST"])
@cme_officer_required
def post_scans():
    """A batch of scans from the scanning page (JSON, CSRF header): one answer per scan."""
    payload = request.get_json(silent=True)
    items = payload.get("scans") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= 500:
        return jsonify({"error": _("Send a list of 1 to 500 scans.")}), 422
    items = [item if isinstance(item, dict) else {} for item in items]
    answers = attendance.record_scans(_congress(), items, staff=current_user)
    db.session.commit()
    return jsonify({"results": [a.as_dict() for a in answers]})


# -- certificates ----------------------------------------------------------------------------


@bp.route("/cme/verify/<code>")
def verify(code: str):
    """Public check of a certificate: name, congress and credits, nothing else."""
    certificate = certificates.find_certificate(code)
    congress = _congress()
    if certificate is None or certificate.congress_id != congress.id:
        return render_template("cme/verify.html", certificate=None, code=code), 404
    if certificate.purged_at is not None:
        # Past the retention period only the code was kept: say so, show nothing else.
        return render_template(
            "cme/verify.html", certificate=None, purged=certificate, congress=congress
        ), 410
    return render_template("cme/verify.html", certificate=certificate, congress=congress)


@bp.route("/cme/certificates/<code>.pdf")
def certificate_pdf(code: str):
    """The certificate again (the link in its email, the learner's page): the stored PDF."""
    congress = _congress()
    certificate = certificates.find_certificate(code)
    if certificate is None or certificate.congress_id != congress.id:
        abort(404)
    if certificate.purged_at is not None:
        abort(410)
    mark_personal()
    response = Response(certificates.stored_pdf(congress, certificate), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{certificate.code}.pdf"'
    return response


# -- reports to the accreditor ----------------------------------------------------------------


@bp.route("/manage/cme/reports")
@organizer_required
def reports():
    congress = _congress()
    return render_template(
        "cme/reports.html",
        congress=congress,
        report=cme_reports.event_report(congress),
        run=bulk.get_latest_run(congress),
        form=ActionForm(),
    )


@bp.route("/manage/cme/certificates/issue-all", methods=["POST"])
@organizer_required
def issue_all_certificates():
    """Queue "issue certificates to every eligible learner" for the background worker."""
    congress = _congress()
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        bulk.start_certificate_run(congress, current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("cme.reports"))
    db.session.commit()
    flash(
        _("Certificates are being issued in the background; the progress shows below."),
        "success",
    )
    return redirect(url_for("cme.reports"))


@bp.route("/manage/cme/reports/event.pdf")
@organizer_required
def event_report_pdf():
    congress = _congress()
    response = Response(cme_reports.event_pdf(congress), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{congress.slug}-cme-event-report.pdf"'
    )
    return response


def _csv_response(content: bytes, name: str) -> Response:
    response = Response(content, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/manage/cme/reports/learners.csv")
@organizer_required
def learners_report():
    congress = _congress()
    return _csv_response(cme_reports.learners_csv(congress), f"{congress.slug}-cme-learners.csv")


@bp.route("/manage/cme/reports/event.csv")
@organizer_required
def event_report():
    congress = _congress()
    return _csv_response(cme_reports.event_csv(congress), f"{congress.slug}-cme-event-report.csv")


# -- disclosure to learners --------------------------------------------------------------------


@bp.route("/program/sessions/<int:session_id>/disclosure.pdf")
def disclosure_slide(session_id: int):
    """The one-page disclosure slide the chair shows before an accredited session."""
    congress = _congress()
    pdf = disclosure_slide_pdf(congress, session_id)
    if pdf is None:
        abort(404, "This session is not an accredited session of the published program.")
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="disclosure-session-{session_id}.pdf"'
    )
    return response


# The learner's pages and the organizers' evaluation questions attach their routes to `bp`.
from conference.cme import learner_views  # noqa: E402, F401
