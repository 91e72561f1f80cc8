"""Organizer pages of bulk mailings: write, preview, confirm; sent campaigns and delivery."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from conference.content import services as content
from conference.errors import DomainError
from conference.extensions import db
from conference.i18n import LANGUAGES
from conference.mailings import services
from conference.mailings.forms import MailingForm, translation_fields
from conference.mailings.queries import get_campaign, get_campaign_recipients, get_campaigns
from conference.program.queries import get_current_congress
from conference.registration.queries import get_categories
from conference.security import organizer_required
from conference.webforms import show_domain_error

bp = Blueprint("mailings", __name__)


def _congress():
    congress = get_current_congress()
    if congress is None:
        abort(404, _("No congress is set up yet."))
    return congress


def _form(congress) -> MailingForm:
    form = MailingForm()
    form.category.choices = [("", _("Every category"))] + [
        (c.slug, c.name) for c in get_categories(congress)
    ]
    return form


def _languages(congress) -> list[dict]:
    """The congress's other languages with their form fields."""
    return [
        {"code": code, "name": LANGUAGES[code], "fields": translation_fields(code)}
        for code in content.other_languages(congress)
    ]


def _request_from(congress, form: MailingForm):
    translations = {}
    for language in _languages(congress):
        subject, body = language["fields"]
        translations[language["code"]] = {"subject": form[subject].data, "body": form[body].data}
    return services.parse_mailing(
        congress,
        group=form.group.data,
        subject=form.subject.data,
        body=form.body.data,
        category=form.category.data,
        status=form.status.data,
        translations=translations,
    )


def _show_error(form, exc: DomainError) -> None:
    """A service's errors next to their fields (translations.fr.body -> body_fr)."""
    aliases = {}
    for code in LANGUAGES:
        subject, body = translation_fields(code)
        aliases[f"translations.{code}.subject"] = subject
        aliases[f"translations.{code}.body"] = body
    show_domain_error(form, exc, aliases)


def _render_form(form, status=200):
    return render_template(
        "mailings/new.html",
        form=form,
        placeholders=services.PLACEHOLDERS,
        languages=_languages(_congress()),
    ), status


def _render_preview(congress, form, mailing, status=200, changed=False):
    preview = services.preview_mailing(congress, mailing)
    db.session.rollback()  # a preview writes nothing
    return render_template(
        "mailings/preview.html",
        form=form,
        preview=preview,
        changed=changed,
        languages=_languages(congress),
    ), status


@bp.route("/manage/mailings")
@organizer_required
def campaigns():
    return render_template("mailings/list.html", campaigns=get_campaigns(_congress()))


@bp.route("/manage/mailings/new", methods=["GET", "POST"])
@organizer_required
def new_mailing():
    """Write the mailing; submitting it shows the preview (nothing is sent yet)."""
    congress = _congress()
    form = _form(congress)
    if not form.validate_on_submit():
        return _render_form(form, 422 if form.errors else 200)
    try:
        mailing = _request_from(congress, form)
    except DomainError as exc:
        _show_error(form, exc)
        return _render_form(form, 422)
    return _render_preview(congress, form, mailing)


@bp.route("/manage/mailings/send", methods=["POST"])
@organizer_required
def send_mailing():
    """Send exactly the previewed mailing, or show the new preview if it changed."""
    congress = _congress()
    form = _form(congress)
    if not form.validate_on_submit():
        return _render_form(form, 422)
    try:
        mailing = _request_from(congress, form)
    except DomainError as exc:
        _show_error(form, exc)
        return _render_form(form, 422)
    try:
        result = services.send_mailing(
            congress, mailing, request.form.get("preview_token", ""), current_user
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return _render_preview(congress, form, mailing, status=exc.status, changed=True)
    if result.already_sent:
        flash(_("This mailing was already sent; nothing was sent again."), "info")
    else:
        flash(
            ngettext(
                "Mailing queued: %(num)d message.",
                "Mailing queued: %(num)d messages.",
                result.queued,
            ),
            "success",
        )
    return redirect(url_for("mailings.campaign", campaign_id=result.campaign.id))


@bp.route("/manage/mailings/<int:campaign_id>")
@organizer_required
def campaign(campaign_id: int):
    found = get_campaign(_congress(), campaign_id)
    if found is None:
        abort(404)
    translations = content.translations_of(_congress(), "mailing", found.id)
    return render_template(
        "mailings/campaign.html",
        campaign=found,
        recipients=get_campaign_recipients(found),
        translations=[(LANGUAGES[code], code, texts) for code, texts in translations.items()],
    )
