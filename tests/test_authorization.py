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
from conference.demo import load_demo
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
    ("POST", "/api/v1/review/assign"),
    ("PUT", "/api/v1/review/pools/<slug>"),
    ("GET", "/api/v1/review/progress"),
    ("GET", "/api/v1/review/conflicts"),
    ("POST", "/api/v1/abstracts/<int:abstract_id>/track"),
    ("POST", "/api/v1/abstracts/<int:abstract_id>/reviewers"),
    ("DELETE", "/api/v1/abstracts/<int:abstract_id>/reviewers"),
    ("DELETE", "/api/v1/abstracts/<int:abstract_id>/reviewers/<int:reviewer_id>"),
    ("POST", "/api/v1/abstracts/<int:abstract_id>/decision"),
    ("POST", "/api/v1/decisions/release"),
    ("PATCH", "/api/v1/conference"),
    ("POST", "/api/v1/tracks"),
    ("PATCH", "/api/v1/tracks/<slug>"),
    ("POST", "/api/v1/rooms"),
    ("PATCH", "/api/v1/rooms/<int:room_id>"),
    ("POST", "/api/v1/sessions"),
    ("PATCH", "/api/v1/sessions/<int:session_id>"),
    ("DELETE", "/api/v1/sessions/<int:session_id>"),
    ("POST", "/api/v1/sessions/<int:session_id>/presentations"),
    ("GET", "/api/v1/program/conflicts"),
    ("POST", "/api/v1/program/publish"),
    ("PATCH", "/api/v1/registration/categories/<slug>"),
    ("GET", "/api/v1/registration/settings"),
    ("PATCH", "/api/v1/registration/settings"),
    ("GET", "/api/v1/registrations"),
    ("POST", "/api/v1/registrations/<reference>/payments"),
    ("POST", "/api/v1/registrations/<reference>/verify"),
    ("POST", "/api/v1/registrations/<reference>/check-in"),
    ("GET", "/api/v1/dashboard"),
    ("POST", "/api/v1/mailings"),
    ("GET", "/api/v1/mailings"),
    ("GET", "/api/v1/mailings/<int:campaign_id>"),
    ("GET", "/api/v1/packages"),
    ("POST", "/api/v1/packages"),
    ("PATCH", "/api/v1/packages/<int:package_id>"),
    ("POST", "/api/v1/sponsors"),
    ("PATCH", "/api/v1/sponsors/<int:sponsor_id>"),
    ("GET", "/api/v1/transfers-of-value"),
}


@pytest.fixture
def demo(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    result = load_demo()
    db.session.commit()
    return result


def _first(model, *where):
    return db.session.scalar(select(model.id).where(*where).order_by(model.id).limit(1))


def _values(congress) -> dict:
    """A real object for each URL variable (so organizers reach the handler's body)."""
    registration = db.session.scalars(
        select(Registration).where(Registration.congress_id == congress.id).limit(1)
    ).first()
    return {
        "abstract_id": _first(Abstract, Abstract.congress_id == congress.id),
        "user_id": _first(User, User.email == "reviewer@example.org"),
        "reviewer_id": _first(User, User.email == "reviewer@example.org"),
        "track_id": _first(Track, Track.congress_id == congress.id),
        "room_id": _first(Room, Room.congress_id == congress.id),
        "session_id": _first(ProgramSession),
        "presentation_id": _first(Presentation),
        "speaker_id": _first(Speaker),
        "category_id": _first(ProfessionalCategory),
        "institution_id": _first(Institution),
        "message_id": _first(OutboxMessage) or 1,
        "reference": registration.reference,
        "slug": db.session.scalar(select(Track.slug).limit(1)),
        "action": "verify",
        "token": "not-a-token",
        "token_id": 1,
        "checkout_id": 1,  # an online card payment attempt
        "number": 1,  # a published program version
        "campaign_id": 1,  # a mailing (none sent in the demo: 404, never 500)
        "code": "NOT-A-CODE",  # a visa letter verification code
        "place_id": 1,  # a place of a group order
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
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - SKIP_METHODS):
            if predicate(method, rule.rule):
                yield method, rule


def _organizer_page(method, rule):
    return rule.startswith("/manage")


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
