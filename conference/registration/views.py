"""Organizer pages for professional categories."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from conference.errors import DomainError
from conference.extensions import db
from conference.program.queries import get_current_congress
from conference.registration import services
from conference.registration.forms import CategoryForm
from conference.registration.models import ProfessionalCategory
from conference.registration.queries import get_categories
from conference.security import organizer_required
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


@bp.route("/manage/categories")
@organizer_required
def categories():
    congress = get_current_congress() or abort(404)
    return render_template("registration/categories.html", categories=get_categories(congress))


@bp.route("/manage/categories/new", methods=["GET", "POST"])
@bp.route("/manage/categories/<int:category_id>", methods=["GET", "POST"])
@organizer_required
def edit_category(category_id: int | None = None):
    congress = get_current_congress() or abort(404)
    category = db.get_or_404(ProfessionalCategory, category_id) if category_id else None
    if category is not None and category.congress_id != congress.id:
        abort(404)
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        data = {name: getattr(form, name).data for name in CATEGORY_FIELDS}
        if form.position.data is not None:
            data["position"] = form.position.data
        try:
            if category is None:
                services.create_category(congress, **data)
            else:
                if not data["slug"]:
                    data.pop("slug")
                services.update_category(category, **data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash("Category saved.", "success")
            return redirect(url_for("registration.categories"))
    return render_template("registration/edit_category.html", form=form, category=category)
