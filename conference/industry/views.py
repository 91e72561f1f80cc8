"""Industry pages: organizers manage packages and sponsors; a sponsor's contact people manage
their own sponsor; the public sponsors page.

Exhibition, passes and leads pages are in exhibition_views.py and lead_views.py.
"""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference import storage
from conference.errors import DomainError
from conference.extensions import db
from conference.industry import documents, queries, services
from conference.industry.forms import (
    ActionForm,
    BenefitForm,
    ContactForm,
    ContractTemplateForm,
    LogoForm,
    PackageForm,
    ProfileForm,
    SponsorForm,
)
from conference.program.queries import get_current_congress
from conference.security import organizer_required
from conference.webforms import show_domain_error

bp = Blueprint("industry", __name__)

PACKAGE_FIELDS = (
    "name",
    "price",
    "available",
    "exhibitor_passes",
    "booth_size",
    "benefits",
    "position",
)
SPONSOR_FIELDS = (
    "name",
    "description",
    "website",
    "contact_email",
    "contact_phone",
    "legal_name",
    "address",
    "country",
    "vat_id",
)


def congress_or_404():
    congress = get_current_congress()
    if congress is None:
        abort(404)
    return congress


def sponsor_or_404(sponsor_id: int):
    """The sponsor, for an organizer or one of its own contact people; 404 for anyone else
    (another company's sponsor is not even confirmed to exist)."""
    sponsor = queries.get_sponsor(congress_or_404(), sponsor_id)
    if sponsor is None or not sponsor.can_manage(current_user):
        abort(404)
    return sponsor


def _data(form, fields) -> dict:
    data = {}
    for name in fields:
        field = getattr(form, name, None)
        if field is not None and not (name == "position" and not (field.data or "").strip()):
            data[name] = field.data
    return data


# -- organizers: packages ---------------------------------------------------------------------


@bp.route("/manage/industry")
@organizer_required
def overview():
    from conference.industry.reports import package_money

    congress = congress_or_404()
    money = package_money(queries.get_packages(congress))
    return render_template(
        "industry/overview.html",
        money=money,
        money_total=sum((m.total for m in money), Decimal("0")),
        sponsors=queries.get_sponsors(congress),
        booths=queries.get_booth_numbers(congress),
    )


@bp.route("/manage/industry/packages/new", methods=["GET", "POST"])
@organizer_required
def new_package():
    congress = congress_or_404()
    form = PackageForm()
    if form.validate_on_submit():
        try:
            services.create_package(congress, **_data(form, PACKAGE_FIELDS))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Package created."), "success")
            return redirect(url_for("industry.overview"))
    return render_template("industry/package.html", form=form, package=None), (
        422 if form.errors else 200
    )


@bp.route("/manage/industry/packages/<int:package_id>", methods=["GET", "POST"])
@organizer_required
def edit_package(package_id: int):
    congress = congress_or_404()
    package = queries.get_package(congress, package_id)
    if package is None:
        abort(404)
    form = PackageForm(obj=None if request.method == "POST" else package)
    if request.method == "GET":
        form.benefits.data = "\n".join(package.benefits or [])
        form.price.data = str(package.price)
        for name in ("available", "exhibitor_passes", "position"):
            getattr(form, name).data = str(getattr(package, name))
    if form.validate_on_submit():
        try:
            services.update_package(package, **_data(form, PACKAGE_FIELDS))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Package saved."), "success")
            return redirect(url_for("industry.overview"))
    return render_template("industry/package.html", form=form, package=package), (
        422 if form.errors else 200
    )


# -- organizers: sponsors ---------------------------------------------------------------------


def _sponsor_form(congress, **kwargs) -> SponsorForm:
    form = SponsorForm(**kwargs)
    form.package.choices = [
        (str(p.id), _("%(name)s (%(left)d left)", name=p.name, left=p.remaining))
        for p in queries.get_packages(congress)
    ]
    return form


@bp.route("/manage/industry/sponsors/new", methods=["GET", "POST"])
@organizer_required
def new_sponsor():
    congress = congress_or_404()
    form = _sponsor_form(congress)
    if form.validate_on_submit():
        package = queries.get_package(congress, _int(form.package.data))
        try:
            sponsor = services.sign_up_sponsor(congress, package, **_data(form, SPONSOR_FIELDS))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("%(name)s is signed up.", name=sponsor.name), "success")
            return redirect(url_for("industry.sponsor_detail", sponsor_id=sponsor.id))
    return render_template("industry/new_sponsor.html", form=form), (422 if form.errors else 200)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _detail(sponsor, form=None, contact_form=None, status=200):
    congress = sponsor.congress
    if form is None:
        form = _sponsor_form(congress, obj=sponsor)
        form.package.data = str(sponsor.package_id)
    return render_template(
        "industry/sponsor.html",
        sponsor=sponsor,
        form=form,
        contact_form=contact_form or ContactForm(formdata=None),
        action_form=ActionForm(formdata=None),
    ), status


@bp.route("/manage/industry/sponsors/<int:sponsor_id>", methods=["GET", "POST"])
@organizer_required
def sponsor_detail(sponsor_id: int):
    sponsor = sponsor_or_404(sponsor_id)
    if request.method == "GET":
        return _detail(sponsor)
    form = _sponsor_form(sponsor.congress)
    if form.validate_on_submit():
        try:
            package = queries.get_package(sponsor.congress, _int(form.package.data))
            if package is not None:
                services.change_package(sponsor, package)
            services.update_sponsor(sponsor, **_data(form, SPONSOR_FIELDS))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Sponsor saved."), "success")
            return redirect(url_for("industry.sponsor_detail", sponsor_id=sponsor.id))
    return _detail(sponsor_or_404(sponsor_id), form=form, status=422)


@bp.route("/manage/industry/sponsors/<int:sponsor_id>/contacts", methods=["POST"])
@organizer_required
def add_contact(sponsor_id: int):
    sponsor = sponsor_or_404(sponsor_id)
    form = ContactForm()
    if form.validate_on_submit():
        try:
            services.add_contact(sponsor, form.email.data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Contact person added."), "success")
            return redirect(url_for("industry.sponsor_detail", sponsor_id=sponsor.id))
    return _detail(sponsor_or_404(sponsor_id), contact_form=form, status=422)


@bp.route(
    "/manage/industry/sponsors/<int:sponsor_id>/contacts/<int:contact_id>/delete",
    methods=["POST"],
)
@organizer_required
def remove_contact(sponsor_id: int, contact_id: int):
    sponsor = sponsor_or_404(sponsor_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.remove_contact(sponsor, contact_id)
    except DomainError:
        abort(404)
    db.session.commit()
    flash(_("Contact person removed."), "success")
    return redirect(url_for("industry.sponsor_detail", sponsor_id=sponsor.id))


@bp.route("/manage/industry/sponsors/<int:sponsor_id>/benefits/<int:benefit_id>", methods=["POST"])
@organizer_required
def set_benefit(sponsor_id: int, benefit_id: int):
    sponsor = sponsor_or_404(sponsor_id)
    benefit = queries.get_benefit(sponsor, benefit_id)
    if benefit is None:
        abort(404)
    form = BenefitForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_benefit_delivered(benefit, form.delivered.data, by=current_user)
    db.session.commit()
    return redirect(url_for("industry.sponsor_detail", sponsor_id=sponsor.id) + "#benefits")


@bp.route("/manage/industry/sponsors/<int:sponsor_id>/invoice", methods=["POST"])
@organizer_required
def issue_invoice(sponsor_id: int):
    sponsor = sponsor_or_404(sponsor_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        invoice = services.issue_sponsor_invoice(sponsor)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        if invoice is not None:
            flash(_("Invoice %(number)s issued.", number=invoice.number), "success")
        else:
            flash(_("Nothing to invoice: the package is free."), "info")
    return redirect(url_for("industry.sponsor_detail", sponsor_id=sponsor_id))


@bp.route("/manage/industry/contract", methods=["GET", "POST"])
@organizer_required
def contract_template():
    congress = congress_or_404()
    settings = services.get_settings(congress)
    form = ContractTemplateForm()
    if request.method == "GET":
        form.contract_template.data = settings.contract_template or documents.DEFAULT_CONTRACT
        db.session.commit()
    elif form.validate_on_submit():
        try:
            services.update_contract_template(congress, form.contract_template.data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Contract template saved."), "success")
            return redirect(url_for("industry.contract_template"))
    return render_template(
        "industry/contract_template.html",
        form=form,
        placeholders=services.CONTRACT_PLACEHOLDERS,
    ), (422 if form.errors else 200)


# -- a sponsor's contact people ---------------------------------------------------------------


@bp.route("/sponsor")
@login_required
def my_sponsors():
    congress = congress_or_404()
    sponsors = queries.get_sponsors_managed_by(congress, current_user)
    if len(sponsors) == 1:
        return redirect(url_for("industry.sponsor_home", sponsor_id=sponsors[0].id))
    return render_template("industry/my_sponsors.html", sponsors=sponsors)


def _home(sponsor, form=None, logo_form=None, status=200):
    if form is None:
        form = ProfileForm(obj=sponsor)
    return render_template(
        "industry/sponsor_home.html",
        sponsor=sponsor,
        form=form,
        logo_form=logo_form or LogoForm(formdata=None),
    ), status


@bp.route("/sponsor/<int:sponsor_id>", methods=["GET", "POST"])
@login_required
def sponsor_home(sponsor_id: int):
    sponsor = sponsor_or_404(sponsor_id)
    if request.method == "GET":
        return _home(sponsor)
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            services.update_sponsor(
                sponsor,
                by_contact=True,
                **{name: getattr(form, name).data for name in services.CONTACT_FIELDS},
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Profile saved."), "success")
            return redirect(url_for("industry.sponsor_home", sponsor_id=sponsor.id))
    return _home(sponsor_or_404(sponsor_id), form=form, status=422)


@bp.route("/sponsor/<int:sponsor_id>/logo", methods=["POST"])
@login_required
def upload_logo(sponsor_id: int):
    sponsor = sponsor_or_404(sponsor_id)
    form = LogoForm()
    if form.validate_on_submit():
        upload = form.logo.data
        try:
            services.set_logo(sponsor, upload.read() if upload else b"")
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Logo saved."), "success")
            return redirect(url_for("industry.sponsor_home", sponsor_id=sponsor.id))
    return _home(sponsor_or_404(sponsor_id), logo_form=form, status=422)


@bp.route("/sponsor/<int:sponsor_id>/contract.pdf")
@login_required
def contract_pdf(sponsor_id: int):
    sponsor = sponsor_or_404(sponsor_id)
    data = documents.contract_pdf(sponsor)
    db.session.commit()
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="contract-{sponsor.id}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- public -----------------------------------------------------------------------------------


@bp.route("/sponsors")
def sponsors_page():
    congress = congress_or_404()
    return render_template("industry/sponsors.html", tiers=queries.get_sponsors_by_tier(congress))


@bp.route("/sponsors/<int:sponsor_id>/logo")
def sponsor_logo(sponsor_id: int):
    sponsor = queries.get_public_sponsor(congress_or_404(), sponsor_id)
    if sponsor is None or not sponsor.logo_key:
        abort(404)
    try:
        data = storage.get(sponsor.logo_key)
    except storage.ObjectNotFound:
        abort(404)
    response = Response(data, mimetype=sponsor.logo_content_type or "image/png")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/manage/industry/report")
@organizer_required
def organizer_report():
    from conference.industry.reports import organizer_report as build

    figures, money = build(congress_or_404())
    return render_template("industry/report.html", figures=figures, money=money)


@bp.route("/sponsor/<int:sponsor_id>/report")
@login_required
def sponsor_report(sponsor_id: int):
    from conference.industry.reports import sponsor_figures

    sponsor = sponsor_or_404(sponsor_id)
    figures = sponsor_figures(sponsor.congress, [sponsor])[0]
    return render_template("industry/sponsor_report.html", sponsor=sponsor, f=figures)


# Their routes are on this blueprint.
from conference.industry import (  # noqa: E402,F401
    exhibition_views,
    lead_views,
    satellite_views,
    transfer_views,
)
