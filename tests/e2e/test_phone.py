"""Phone-sized screens (390x844, an iPhone 12-15): the author's pages never scroll sideways."""

from __future__ import annotations

import pytest

from conference.abstracts import services
from conference.extensions import db
from tests.abstracts.conftest import valid_payload
from tests.factories import PASSWORD

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=3, is_mobile=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def log_in(page, base, user):
    """The phone's navbar is collapsed: wait for the page after login, not for its buttons."""
    page.goto(base + "/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_my_abstracts_fits_a_phone(phone, congress, create_user, live_server_factory):
    author = create_user(
        name="Maria Oncologa", affiliation="Hospital Universitari Vall d'Hebron", country="ES"
    )
    long_title = (
        "Osimertinib-based sequencing after progression on first-line EGFR-TKI therapy in "
        "EGFR-mutant non-small-cell lung cancer: a multicentre real-world cohort "
        "(NCT0123456789-EXTENSION-COHORT-B)"
    )
    services.create_abstract(congress, author, valid_payload(title=long_title))
    submitted = services.create_abstract(congress, author, valid_payload())
    services.confirm_authorship(submitted, submitted.first_author.email)
    services.submit_abstract(submitted)
    db.session.commit()
    server = live_server_factory()

    log_in(phone, server.url, author)
    phone.goto(server.url + "/met26/abstracts/")
    phone.get_by_text("Osimertinib-based sequencing").wait_for()
    assert page_width(phone) <= PHONE["width"]
    # Each abstract still shows its labels (number, status, ...) when stacked.
    label = phone.eval_on_selector(
        "#my-abstracts td[data-label=Status]",
        "td => getComputedStyle(td, '::before').content",
    )
    assert "Status" in label
    assert phone.get_by_role("link", name="New abstract").is_visible()
