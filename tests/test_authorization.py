"""Every organizer page and organizer API call, tried as each kind of user (demo data).

Anonymous visitors are sent to the login page (API: 401); attendees, authors and reviewers get
403; organizers never get a 500, whatever the ids in the address.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from conference.abstracts.models import Abstract
from conference.accounts.models import User
from conference.extensions import db
from conference.industry.models import (
    Booth,
    ExhibitorPass,
    SatelliteSlot,
    Sponsor,
    SponsorBenefit,
    SponsorContact,
    SponsorshipPackage,
)
from conference.institutions.models import Institution
from conference.mail import OutboxMessage
from conference.program.models import Room, Track
from conference.program.schedule_models import Presentation, ProgramSession, Speaker
from conference.registration.models import ProfessionalCategory, Registration

SKIP_METHODS = {"HEAD", "OPTIONS"}

#: Organizer-only API calls (method, rule) -- every @organizer_token_required handler.
ORGANIZER_API = {
    ("POST", "/api/v1/congresses/<congress:congress>/review/assign"),
    ("PUT", "/api/v1/congresses/<congress:congress>/review/pools/<slug>"),
    ("GET", "/api/v1/congresses/<congress:congress>/review/progress"),
    ("GET", "/api/v1/congresses/<congress:congress>/review/conflicts"),
    ("POST", "/api/v1/congresses/<congress:congress>/abstracts/<int:abstract_id>/track"),
    ("POST", "/api/v1/congresses/<congress:congress>/abstracts/<int:abstract_id>/reviewers"),
    ("DELETE", "/api/v1/congresses/<congress:congress>/abstracts/<int:abstract_id>/reviewers"),
    (
        "DELETE",
        "/api/v1/congresses/<congress:congress>/abstracts/<int:abstract_id>/reviewers/<int:reviewer_id>",
    ),
    ("POST", "/api/v1/congresses/<congress:congress>/abstracts/<int:abstract_id>/decision"),
    ("POST", "/api/v1/congresses/<congress:congress>/decisions/release"),
    ("PATCH", "/api/v1/congresses/<congress:congress>/conference"),
    ("POST", "/api/v1/congresses/<congress:congress>/tracks"),
    ("PATCH", "/api/v1/congresses/<congress:congress>/tracks/<slug>"),
    ("POST", "/api/v1/congresses/<congress:congress>/rooms"),
    ("PATCH", "/api/v1/congresses/<congress:congress>/rooms/<int:room_id>"),
    ("POST", "/api/v1/congresses/<congress:congress>/sessions"),
    ("PATCH", "/api/v1/congresses/<congress:congress>/sessions/<int:session_id>"),
    ("DELETE", "/api/v1/congresses/<congress:congress>/sessions/<int:session_id>"),
    ("POST", "/api/v1/congresses/<congress:congress>/sessions/<int:session_id>/presentations"),
    ("GET", "/api/v1/congresses/<congress:congress>/program/conflicts"),
    ("POST", "/api/v1/congresses/<congress:congress>/program/publish"),
    ("PATCH", "/api/v1/congresses/<congress:congress>/registration/categories/<slug>"),
    ("GET", "/api/v1/congresses/<congress:congress>/registration/settings"),
    ("PATCH", "/api/v1/congresses/<congress:congress>/registration/settings"),
    ("GET", "/api/v1/congresses/<congress:congress>/registrations"),
    ("POST", "/api/v1/congresses/<congress:congress>/registrations/<reference>/payments"),
    ("POST", "/api/v1/congresses/<congress:congress>/registrations/<reference>/verify"),
    ("POST", "/api/v1/congresses/<congress:congress>/registrations/<reference>/check-in"),
    ("GET", "/api/v1/congresses/<congress:congress>/dashboard"),
    ("POST", "/api/v1/congresses/<congress:congress>/mailings"),
    ("GET", "/api/v1/congresses/<congress:congress>/mailings"),
    ("GET", "/api/v1/congresses/<congress:congress>/mailings/<int:campaign_id>"),
    ("GET", "/api/v1/congresses/<congress:congress>/packages"),
    ("POST", "/api/v1/congresses/<congress:congress>/packages"),
    ("PATCH", "/api/v1/congresses/<congress:congress>/packages/<int:package_id>"),
    ("POST", "/api/v1/congresses/<congress:congress>/sponsors"),
    ("PATCH", "/api/v1/congresses/<congress:congress>/sponsors/<int:sponsor_id>"),
    ("GET", "/api/v1/congresses/<congress:congress>/transfers-of-value"),
}


@pytest.fixture
def demo(app, tmp_path, demo_copy):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    return demo_copy()


def _first(model, *where):
    return db.session.scalar(select(model.id).where(*where).order_by(model.id).limit(1))


def _values(congress) -> dict:
    """A real object for each URL variable (so organizers reach the handler's body)."""
    registration = db.session.scalars(
        select(Registration).where(Registration.congress_id == congress.id).limit(1)
    ).first()
    return {
        "congress": congress.slug,
        "congress_id": congress.id,
        "abstract_id": _first(Abstract, Abstract.congress_id == congress.id),
        "user_id": _first(User, User.email == "reviewer@example.org"),
        "reviewer_id": _first(User, User.email == "reviewer@example.org"),
        "track_id": _first(Track, Track.congress_id == congress.id),
        "room_id": _first(Room, Room.congress_id == congress.id),
        "session_id": _first(ProgramSession, ProgramSession.congress_id == congress.id),
        "presentation_id": _first(
            Presentation,
            Presentation.session_id.in_(
                select(ProgramSession.id).where(ProgramSession.congress_id == congress.id)
            ),
        ),
        "speaker_id": _first(Speaker, Speaker.congress_id == congress.id),
        "category_id": _first(
            ProfessionalCategory, ProfessionalCategory.congress_id == congress.id
        ),
        "institution_id": _first(Institution),
        "message_id": _first(OutboxMessage) or 1,
        "reference": registration.reference,
        "slug": db.session.scalar(
            select(Track.slug).where(Track.congress_id == congress.id).limit(1)
        ),
        "action": "verify",
        "token": "not-a-token",
        "token_id": 1,
        "checkout_id": 1,  # an online card payment attempt
        "refund_id": 1,  # a card refund of an invoice (none in the demo: 404, never 500)
        "provider": "stripe",  # a card payment provider (none configured there: 404)
        "number": 1,  # a published program version
        "campaign_id": 1,  # a mailing (none sent in the demo: 404, never 500)
        "code": "NOT-A-CODE",  # a visa letter verification code
        "language": "fr",  # congress texts in another language than the main one
        "place_id": 1,  # a place of a group order
        "disclosure_id": 1,  # a CME disclosure (none in the demo: 404, never 500)
        "relationship_id": 1,  # a relationship of a CME disclosure
        "question_id": 1,  # an organizer's own CME evaluation question (none in the demo)
        "package_id": _first(SponsorshipPackage) or 1,
        "sponsor_id": _first(Sponsor) or 1,
        "contact_id": _first(SponsorContact) or 1,
        "benefit_id": _first(SponsorBenefit) or 1,
        "booth_id": _first(Booth) or 1,
        "pass_id": _first(ExhibitorPass) or 1,
        "slot_id": _first(SatelliteSlot) or 1,
        "transfer_id": 1,  # a transfer of value (none in the demo: 404, never 500)
    }


def _routes(app, predicate):
    """The current rules (the old single-congress paths only redirect: tests/congresses)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in app.scoped_endpoints and "congress" not in rule.arguments:
            continue
        for method in sorted((rule.methods or set()) - SKIP_METHODS):
            if predicate(method, rule.rule):
                yield method, rule


def _organizer_page(method, rule):
    return rule.startswith("/<congress:congress>/manage")


def _organizer_api(method, rule):
    return (method, rule) in ORGANIZER_API


def _url(rule, values) -> str:
    return rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


def test_organizer_api_list_covers_every_organizer_handler(app):
    """Keep ORGANIZER_API in step with the handlers that carry organizer_token_required."""
    rules = {(m, r.rule) for m, r in _routes(app, lambda m, r: True)}
    assert rules >= ORGANIZER_API


OTHERS = (None, "attendee@example.org", "author@example.org", "reviewer@example.org")


def test_organizer_pages_refuse_everyone_else(app, client, auth, demo):
    values = _values(demo.congress)
    wrong = []
    for email, (method, rule) in itertools.product(OTHERS, list(_routes(app, _organizer_page))):
        auth.logout()
        if email:
            auth.login(_user(email))
        url = _url(rule, values)
        response = client.open(url, method=method, data={})
        if email is None:
            ok = response.status_code == 302 and "/login" in response.headers["Location"]
        else:
            ok = response.status_code == 403
        if not ok:
            wrong.append((email, method, url, response.status_code))
    assert wrong == []


def test_organizer_api_refuses_everyone_else(app, client, api_token, demo):
    values = _values(demo.congress)
    tokens = {email: api_token(_user(email)) if email else {} for email in OTHERS}
    wrong = []
    for email, (method, rule) in itertools.product(OTHERS, list(_routes(app, _organizer_api))):
        headers = tokens[email]
        url = _url(rule, values)
        response = client.open(url, method=method, json={}, headers=headers)
        expected = 403 if email else 401
        body = response.get_json(silent=True) or {}
        if response.status_code != expected or body.get("error", {}).get("status") != expected:
            wrong.append((email, method, url, response.status_code))
    assert wrong == []


def test_organizer_pages_never_fail_with_a_500(app, client, auth, demo):
    values = _values(demo.congress)
    auth.login(_user("organizer@example.org"))
    failures = []
    for method, rule in _routes(app, _organizer_page):
        if method != "GET":
            continue
        url = _url(rule, values)
        response = client.get(url)
        if response.status_code >= 500 or response.status_code == 403:
            failures.append((url, response.status_code))
    assert failures == []


def test_every_browser_post_needs_a_csrf_token(app_config, demo):
    """With CSRF on, a POST without a token changes nothing: 400 (the import form: 422)."""
    from conference import create_app

    csrf_app = create_app(type("CSRFConfig", (app_config,), {"WTF_CSRF_ENABLED": True}))
    values = _values(demo.congress)
    organizer = _user("organizer@example.org")
    client = csrf_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = organizer.get_id()
        session["_fresh"] = True
    accepted = []
    for method, rule in _routes(csrf_app, lambda m, r: m != "GET" and not r.startswith("/api/")):
        url = _url(rule, values)
        for kwargs in ({"data": {}}, {"json": {}}):
            response = client.open(url, method=method, **kwargs)
            expected = {422} if rule.endpoint == "program.import_program" else {400}
            if response.status_code not in expected:
                accepted.append((method, url, response.status_code))
    assert accepted == []


# -- two congresses: an organizer of one is nothing in the other ----------------------------

#: URL variables naming an object of one congress (users and institutions are shared).
OBJECT_ARGS = {
    "abstract_id",
    "track_id",
    "room_id",
    "session_id",
    "presentation_id",
    "speaker_id",
    "category_id",
    "message_id",
    "reference",
}


#: Pages that answer alike for any well-formed reference and never look it up (so they do not
#: tell whether it exists): "registration received" and "payment cancelled".
NO_LOOKUP = {"registration.received", "registration.checkout_cancelled"}


@pytest.fixture
def two_congresses(demo, create_user):
    """MET26 and the demo's sister symposium BRC27 (a copy of MET26's setup), with a chair who
    organizes and reviews BRC27 only."""
    from conference.accounts import services as accounts
    from conference.congresses.context import get_congress_by_slug

    met26 = demo.congress
    sister = get_congress_by_slug("brc27")
    chair = create_user(name="Ingrid Johansson", email="ingrid.johansson@karolinska.example.se")
    accounts.grant_role(chair, "organizer", congress=sister)
    accounts.grant_role(chair, "reviewer", congress=sister)
    db.session.commit()
    return met26, sister, chair


def test_an_organizer_of_one_congress_is_refused_everything_in_another(
    app, client, auth, api_token, create_user, two_congresses
):
    from conference.accounts import services as accounts

    met26, sister, _chair = two_congresses
    values = {**_values(met26), "congress": sister.slug}
    organizer = create_user(name="Omar Haddad", email="omar.haddad@gustave-roussy.example.fr")
    accounts.grant_role(organizer, "organizer", congress=met26)
    db.session.commit()
    auth.login(organizer)
    token = api_token(organizer)
    wrong = []
    for method, rule in _routes(app, _organizer_page):
        response = client.open(_url(rule, values), method=method, data={})
        if response.status_code != 403:
            wrong.append((method, _url(rule, values), response.status_code))
    for method, rule in _routes(app, _organizer_api):
        response = client.open(_url(rule, values), method=method, json={}, headers=token)
        if response.status_code != 403:
            wrong.append((method, _url(rule, values), response.status_code))
    assert wrong == []


def test_ids_of_another_congress_answer_404(app, client, auth, api_token, two_congresses):
    """The sister's organizer asks, under the sister's address, for MET26's objects."""
    met26, sister, chair = two_congresses
    values = {**_values(met26), "congress": sister.slug}
    message = db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.congress_id == met26.id).limit(1)
    )
    assert message is not None
    values["message_id"] = message
    auth.login(chair)
    token = api_token(chair)
    wrong = []
    checked = 0
    for _method, rule in _routes(
        app, lambda m, r: m == "GET" and (r.startswith("/<congress:congress>/") or "<congress" in r)
    ):
        if not set(rule.arguments) & OBJECT_ARGS or rule.endpoint in NO_LOOKUP:
            continue
        url = _url(rule, values)
        headers = token if url.startswith("/api/") else {}
        response = client.get(url, headers=headers)
        checked += 1
        if response.status_code != 404:
            wrong.append((url, response.status_code))
    assert checked > 30
    assert wrong == [], "\n".join(map(str, wrong))
