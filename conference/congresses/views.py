"""Pages of the congresses domain: the public policy pages and the organizers' editor."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conference.congresses import services
from conference.congresses.context import list_congresses, split_by_time
from conference.congresses.forms import PoliciesForm
from conference.congresses.models import PolicyKind
from conference.congresses.queries import (
    get_policies,
    get_policy,
    get_policy_links,
    policy_text,
)
from conference.congresses.rendering import render_markdown
from conference.content import services as content
from conference.errors import DomainError
from conference.extensions import db
from conference.program.queries import get_current_congress
from conference.security import organizer_required
from conference.webforms import show_domain_error

bp = Blueprint("congresses", __name__)


def _congress():
    return get_current_congress() or abort(404)


def _policy_page(kind: PolicyKind):
    congress = _congress()
    policy = get_policy(congress, kind)
    if policy is None:
        # A friendly page, but a 404: nothing is published at this address yet.
        return render_template("congresses/policy_missing.html", kind=kind), 404
    return render_template(
        "congresses/policy.html",
        kind=kind,
        policy=policy,
        body=render_markdown(policy_text(congress, policy)),
        links=get_policy_links(congress),
    )


def _page_items(congress) -> list[dict]:
    """Each published policy's text on the congress's content page."""
    policies = get_policies(congress)
    return [
        {
            "kind": "page",
            "id": policies[kind].id,
            "field": "body",
            "label": _("%(policy)s (Markdown)", policy=kind.label),
            "main": policies[kind].body_markdown,
        }
        for kind in PolicyKind
        if kind in policies
    ]


content.register_kind("page", {}, items=_page_items)


@bp.route("/terms")
def terms():
    return _policy_page(PolicyKind.TERMS)


@bp.route("/cancellation")
def cancellation():
    return _policy_page(PolicyKind.CANCELLATION)


@bp.route("/privacy")
def privacy():
    return _policy_page(PolicyKind.PRIVACY)


@bp.route("/manage/policies", methods=["GET", "POST"])
@organizer_required
def manage_policies():
    congress = _congress()
    policies = get_policies(congress)
    form = PoliciesForm()
    if request.method == "GET":
        for kind in PolicyKind:
            policy = policies.get(kind)
            getattr(form, kind.value).data = policy.body_markdown if policy else ""
    if form.validate_on_submit():
        try:
            services.save_policies(
                congress,
                {kind.value: getattr(form, kind.value).data for kind in PolicyKind},
                by=current_user,
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Policies saved."), "success")
            return redirect(url_for("congresses.manage_policies"))
    return render_template(
        "congresses/manage_policies.html",
        form=form,
        kinds=list(PolicyKind),
        published=policies,
    )


@bp.app_template_global()
def policy_links(congress=None, external: bool = False):
    """Links to the published policies of `congress` (the current one by default)."""
    return get_policy_links(congress or get_current_congress(), external=external)


@bp.app_template_global("external_url")
def external_url_global(endpoint: str, **values) -> str:
    """Absolute links in emails (rendered in a request or by the worker): congress pages are
    built for the current congress (the one the email is about)."""
    from conference.urls import external_url

    return external_url(endpoint, **values)


@bp.app_template_global()
def current_congress():
    """The congress this instance serves (for templates rendered without one, e.g. emails)."""
    return get_current_congress()


@bp.route("/")
def index():
    """The site's home: current and upcoming congresses, and a link to the past ones."""
    upcoming, past = split_by_time(list_congresses())
    return render_template("congresses/index.html", upcoming=upcoming, past_count=len(past))


@bp.route("/archive")
def archive():
    """Past congresses (ended or archived): their programs and released abstracts stay readable."""
    _upcoming, past = split_by_time(list_congresses())
    return render_template("congresses/archive.html", past=past)
