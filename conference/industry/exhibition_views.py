"""Exhibition pages: exhibitor passes (a sponsor's contact people, organizers), booths and the
floor plan (organizers), the public exhibition page."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference import storage
from conference.errors import DomainError
from conference.extensions import db
from conference.industry import exhibition, queries, services
from conference.industry.forms import ActionForm, BoothForm, FloorPlanForm, PassForm
from conference.industry.views import bp, congress_or_404, sponsor_or_404
from conference.security import organizer_required
from conference.webforms import show_domain_error

# -- exhibitor passes -------------------------------------------------------------------------


def _passes_page(sponsor, form=None, status=200):
    if form is None:
        form = PassForm(formdata=None)
        form.extra.data = "1" if sponsor.passes_used >= sponsor.package.exhibitor_passes else ""
    return render_template(
        "industry/passes.html",
        sponsor=sponsor,
        passes=exhibition.get_passes(sponsor),
        fee=exhibition.exhibitor_fee(sponsor.congress),
        form=form,
        action_form=ActionForm(formdata=None),
    ), status


@bp.route("/sponsor/<int:sponsor_id>/passes", methods=["GET", "POST"])
@login_required
def passes(sponsor_id: int):
    sponsor = sponsor_or_404(sponsor_id)
    if request.method == "GET":
        return _passes_page(sponsor)
    form = PassForm()
    if form.validate_on_submit():
        try:
            exhibitor_pass = exhibition.register_staff(
                sponsor,
                {
                    name: getattr(form, name).data
                    for name in ("first_name", "last_name", "email", "country")
                },
                by=current_user,
                extra=form.extra.data == "1",
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(
                _("%(name)s is registered on an exhibitor pass.", name=exhibitor_pass.name),
                "success",
            )
            return redirect(url_for("industry.passes", sponsor_id=sponsor.id))
    return _passes_page(sponsor_or_404(sponsor_id), form=form, status=422)


@bp.route("/sponsor/<int:sponsor_id>/passes/<int:pass_id>/cancel", methods=["POST"])
@login_required
def cancel_pass(sponsor_id: int, pass_id: int):
    sponsor = sponsor_or_404(sponsor_id)
    exhibitor_pass = exhibition.get_pass(sponsor, pass_id)
    if exhibitor_pass is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        exhibition.cancel_pass(exhibitor_pass, by=current_user)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        flash(_("The pass is free again; the registration is cancelled."), "success")
    return redirect(url_for("industry.passes", sponsor_id=sponsor_id))


# -- booths (organizers) ----------------------------------------------------------------------


def _booth_form(congress, **kwargs) -> BoothForm:
    form = BoothForm(**kwargs)
    form.sponsor_id.choices = [("", _("Not assigned"))] + [
        (str(s.id), s.name) for s in queries.get_sponsors(congress)
    ]
    form.room_id.choices = [("", _("No hall"))] + [
        (str(room.id), room.name) for room in exhibition.get_exhibition_areas(congress)
    ]
    return form


def _booth_data(form) -> dict:
    data = {name: getattr(form, name).data for name in ("number", "room_id", "size", "x", "y")}
    data["sponsor_id"] = (
        int(form.sponsor_id.data) if (form.sponsor_id.data or "").isdigit() else None
    )
    return data


def _booths_page(congress, form=None, plan_form=None, status=200):
    return render_template(
        "industry/booths.html",
        booths=exhibition.get_booths(congress),
        settings=services.get_settings(congress),
        form=form or _booth_form(congress, formdata=None),
        plan_form=plan_form or FloorPlanForm(formdata=None),
        action_form=ActionForm(formdata=None),
    ), status


@bp.route("/manage/industry/booths", methods=["GET", "POST"])
@organizer_required
def booths():
    congress = congress_or_404()
    if request.method == "GET":
        page = _booths_page(congress)
        db.session.commit()  # the settings row, made on first visit
        return page
    form = _booth_form(congress)
    if form.validate_on_submit():
        try:
            exhibition.create_booth(congress, **_booth_data(form))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Booth added."), "success")
            return redirect(url_for("industry.booths"))
    return _booths_page(congress, form=form, status=422)


@bp.route("/manage/industry/booths/<int:booth_id>", methods=["GET", "POST"])
@organizer_required
def edit_booth(booth_id: int):
    congress = congress_or_404()
    booth = exhibition.get_booth(congress, booth_id)
    if booth is None:
        abort(404)
    if request.method == "GET":
        form = _booth_form(congress, obj=booth)
        form.sponsor_id.data = str(booth.sponsor_id or "")
        form.room_id.data = str(booth.room_id or "")
        form.x.data = "" if booth.x is None else str(booth.x)
        form.y.data = "" if booth.y is None else str(booth.y)
    else:
        form = _booth_form(congress)
        if form.validate_on_submit():
            try:
                exhibition.update_booth(booth, **_booth_data(form))
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                show_domain_error(form, exc)
            else:
                flash(_("Booth saved."), "success")
                return redirect(url_for("industry.booths"))
    return render_template(
        "industry/booth.html", booth=booth, form=form, action_form=ActionForm(formdata=None)
    ), (422 if form.errors else 200)


@bp.route("/manage/industry/booths/<int:booth_id>/delete", methods=["POST"])
@organizer_required
def delete_booth(booth_id: int):
    booth = exhibition.get_booth(congress_or_404(), booth_id)
    if booth is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    exhibition.delete_booth(booth)
    db.session.commit()
    flash(_("Booth deleted."), "success")
    return redirect(url_for("industry.booths"))


@bp.route("/manage/industry/floor-plan", methods=["POST"])
@organizer_required
def upload_floor_plan():
    congress = congress_or_404()
    form = FloorPlanForm()
    if form.validate_on_submit():
        upload = form.floor_plan.data
        try:
            services.set_floor_plan(congress, upload.read() if upload else b"")
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Floor plan saved."), "success")
            return redirect(url_for("industry.booths"))
    return _booths_page(congress, plan_form=form, status=422)


# -- public -----------------------------------------------------------------------------------


@bp.route("/exhibition")
def exhibition_page():
    congress = congress_or_404()
    search = request.args.get("q", "")[:100]
    return render_template(
        "industry/exhibition.html",
        booths=exhibition.get_booths(congress, search),
        placed=[b for b in exhibition.get_booths(congress) if b.x is not None and b.y is not None],
        has_plan=queries.get_floor_plan(congress) is not None,
        search=search,
    )


@bp.route("/exhibition/floor-plan")
def floor_plan():
    plan = queries.get_floor_plan(congress_or_404())
    if plan is None:
        abort(404)
    key, content_type = plan
    try:
        data = storage.get(key)
    except storage.ObjectNotFound:
        abort(404)
    response = Response(data, mimetype=content_type or "image/png")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
