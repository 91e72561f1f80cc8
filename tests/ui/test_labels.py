"""Pages and emails show human names and real plurals: never `poster_discussion`, never "(s)".

Every GET page (organizer, author, public) and every email of the demo congress is read as a
person sees it (tags, attributes and scripts removed) and searched for stored codes.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from conference.accounts.models import User
from conference.extensions import db
from conference.labels import human, label_maps, plural
from conference.mail import OutboxMessage
from tests.test_authorization import _routes, _url, _values

#: A bare plural such as "conflict(s)" or "match(es)".
LAZY_PLURAL = re.compile(r"\w+\((?:s|es)\)")


def snake_codes() -> set[str]:
    """Every stored code that reads as an identifier (has an underscore)."""
    return {code for codes in label_maps().values() for code in codes if "_" in code}


class VisibleText(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts, styles or <code> identifiers."""

    HIDDEN = {"script", "style", "template"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        for name, value in attrs:
            # Option labels, button values and placeholders are read by people too.
            if name in ("placeholder", "title", "aria-label", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def problems_in(text: str) -> list[str]:
    found = [code for code in snake_codes() if re.search(rf"\b{re.escape(code)}\b", text)]
    found += [m.group(0) for m in LAZY_PLURAL.finditer(text)]
    return sorted(set(found))


@pytest.fixture
def demo(app, tmp_path, demo_copy):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    return demo_copy()


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


def test_labels_and_plurals():
    assert human("consulting_advisory", "disclosure") == "Consulting or advisory role"
    assert human("poster_discussion", "session_format") == "Poster discussion"
    assert human("unknown_code", "outcome") == "Unknown code"
    assert plural(1, "conflict") == "1 conflict"
    assert plural(2, "conflict") == "2 conflicts"
    assert plural(0, "entry") == "0 entries"
    assert plural(2, "person") == "2 people"


def test_visible_text_sees_codes_and_lazy_plurals():
    html = "<p data-kind='room_overlap'>2 conflict(s): <b>poster_discussion</b></p>"
    assert problems_in(visible_text(html)) == ["conflict(s)", "poster_discussion"]


@pytest.mark.parametrize(
    "email",
    [
        "organizer@example.org",
        "author@example.org",
        "reviewer@example.org",
        "attendee@example.org",
        None,
    ],
)
def test_pages_show_no_codes_and_no_lazy_plurals(app, client, auth, demo, email):
    values = _values(demo.congress)
    if email:
        auth.login(_user(email))
    failures = {}
    for _method, rule in _routes(app, lambda m, r: m == "GET"):
        if rule.rule.startswith(("/api/", "/static")) or rule.endpoint.endswith(
            ("_pdf", "_csv", "_ics", "export", "_xml", "_json")
        ):
            continue
        url = _url(rule, values)
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        found = problems_in(visible_text(response.get_data(as_text=True)))
        if found:
            failures[url] = found
    assert failures == {}


def test_emails_show_no_codes_and_no_lazy_plurals(app, demo):
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert messages
    failures = {}
    for message in messages:
        found = problems_in(message.subject + "\n" + message.body_text)
        found += problems_in(visible_text(message.body_html or ""))
        if found:
            failures[message.kind] = sorted(set(found))
    assert failures == {}
