"""Institution pages: type-ahead JSON for affiliation fields, and the organizers' list."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from conference.errors import DomainError
from conference.extensions import db
from conference.institutions import services
from conference.institutions.forms import AliasForm, InstitutionForm, MergeForm
from conference.institutions.models import Institution
from conference.institutions.queries import get_institutions, search_institutions
from conference.security import organizer_required
from conference.webforms import show_domain_error

bp = Blueprint("institutions", __name__)


@bp.route("/institutions/search")
@login_required
def search():
    """Type-ahead for affiliation fields: institutions whose name or an alias contains `q`."""
    text = (request.args.get("q") or "")[:100]
    return jsonify(
        {
            "items": [
                {
                    "id": institution.id,
                    "name": institution.name,
                    "aliases": institution.aliases or [],
                    "country": institution.country,
                }
                for institution in search_institutions(text)
            ]
        }
    )


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _merge_form(institution: Institution, institutions: list[Institution]) -> MergeForm:
    form = MergeForm(prefix=f"merge-{institution.id}")
    form.duplicates.choices = [(i.id, i.name) for i in institutions if i.id != institution.id]
    return form


@bp.route("/manage/institutions", methods=["GET", "POST"])
@organizer_required
def manage():
    """Every institution with its spellings; add one, add spellings, merge duplicates."""
    institutions = get_institutions()
    form = InstitutionForm()
    if form.validate_on_submit():
        try:
            institution = services.create_institution(
                form.name.data,
                aliases=_lines(form.aliases.data),
                country=form.country.data,
                ror_id=form.ror_id.data or None,
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("%(name)s added.", name=institution.name), "success")
            return redirect(url_for("institutions.manage"))
    return render_template(
        "institutions/manage.html",
        form=form,
        institutions=institutions,
        alias_form=AliasForm(),
        merge_forms={i.id: _merge_form(i, institutions) for i in institutions},
    )


def _institution_or_404(institution_id: int) -> Institution:
    institution = db.session.get(Institution, institution_id)
    if institution is None:
        abort(404)
    return institution


@bp.route("/manage/institutions/<int:institution_id>/aliases", methods=["POST"])
@organizer_required
def add_aliases(institution_id: int):
    institution = _institution_or_404(institution_id)
    form = AliasForm()
    if form.validate_on_submit():
        services.add_aliases(institution, _lines(form.aliases.data))
        db.session.commit()
        flash(_("Spellings of %(name)s saved.", name=institution.name), "success")
    return redirect(url_for("institutions.manage", _anchor=f"institution-{institution.id}"))


@bp.route("/manage/institutions/<int:institution_id>/merge", methods=["POST"])
@organizer_required
def merge(institution_id: int):
    institution = _institution_or_404(institution_id)
    form = _merge_form(institution, get_institutions())
    if not form.validate_on_submit():
        flash(_("Choose the duplicates to merge from the list."), "danger")
        return redirect(url_for("institutions.manage"))
    duplicates = [db.session.get(Institution, i) for i in form.duplicates.data]
    try:
        services.merge_institutions(institution, [d for d in duplicates if d is not None])
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        flash(_("Duplicates merged into %(name)s.", name=institution.name), "success")
    return redirect(url_for("institutions.manage", _anchor=f"institution-{institution.id}"))
