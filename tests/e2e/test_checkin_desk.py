"""In Chromium at a tablet's size: the check-in desk with a USB barcode scanner (a keyboard
that types the reference and presses Enter) takes a cash payment and checks the person in,
without ever leaving the desk page."""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from conference.extensions import db
from conference.registration import services
from conference.registration.queries import get_category_by_slug
from tests.factories import PASSWORD

TABLET = {"width": 820, "height": 1180}


def _register(congress):
    oncologist = get_category_by_slug(congress, "oncologist")
    services.set_category_rules(
        oncologist, fees={"early": "450", "regular": "550", "onsite": "650"}
    )
    data = {
        "first_name": "Łucja",
        "last_name": "Wiśniewska",
        "email": "lucja@example.org",
        "affiliation": "Narodowy Instytut Onkologii",
        "country": "PL",
        "category": "oncologist",
        "badge_name": "",
        "dietary": "",
        "accessibility": "",
        "share_with_exhibitors": False,
        "accept_terms": True,
    }
    registration, _ = services.register_attendee(congress, data)
    services.confirm_email(registration)
    db.session.commit()
    return registration.reference


def _focused_id(page, expected: str = "query") -> str:
    """The focused element's id, once the page's scripts have run (they move the focus when
    the page has loaded: on a busy machine that is after the element we waited for appears)."""
    # On a timeout the assertion that follows names what has the focus instead.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(
            "id => document.activeElement && document.activeElement.id === id",
            arg=expected,
            timeout=5_000,
        )
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_scanner_lookup_then_cash_payment_then_check_in_on_a_tablet(
    browser, congress, organizer, live_server_factory
):
    reference = _register(congress)
    server = live_server_factory()
    context = browser.new_context(viewport=TABLET, has_touch=True, is_mobile=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{server.url}/login")
        page.fill("#email", organizer.email)
        page.fill("#password", PASSWORD)
        page.click("input[type=submit]")
        page.goto(f"{server.url}/met26/manage/check-in")
        visited: list[str] = []
        page.on(
            "framenavigated",
            lambda frame: visited.append(frame.url) if frame == page.main_frame else None,
        )

        # Ready for the scanner: the lookup field has the focus, the page fits the tablet.
        assert _focused_id(page) == "query"
        assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]

        # The scanner "types" the code and presses Enter: a plain form submit.
        page.keyboard.type(reference.lower())
        page.keyboard.press("Enter")
        page.wait_for_selector("#desk-person")
        assert "still due" in page.inner_text("#checkin-result")
        assert page.inner_text("#desk-amount-due") == "450.00 EUR"
        assert _focused_id(page) == "query"  # the next scan lands in the field

        # Large touch targets for fingers.
        for selector in ("label[for='pay-kind-1']", "#pay-submit", "#checkin-form #submit"):
            box = page.locator(selector).bounding_box()
            assert box and box["height"] >= 44, (selector, box)

        # Cash is tapped, the amount due is already filled in, payment taken.
        page.tap("label[for='pay-kind-1']")
        assert page.is_checked("#pay-kind-1")
        assert page.input_value("#pay-amount") == "450.00"
        page.tap("#pay-submit")
        page.wait_for_selector("text=Payment taken.")
        assert page.inner_text("#desk-amount-due") == "0.00 EUR"
        assert "Confirmed" in page.inner_text("#desk-person")
        assert _focused_id(page) == "query"
        assert page.locator("#desk-print-badge").get_attribute("target") == "_blank"
        badge = page.request.get(
            server.url + page.locator("#desk-print-badge").get_attribute("href")
        )
        assert badge.headers["content-type"] == "application/pdf"
        assert badge.headers["content-disposition"].startswith("inline")

        # The next scan of the same code lets the person in.
        page.keyboard.type(reference)
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Checked in: welcome!")
        assert page.inner_text("#count-checked-in") == "1"

        # Every page shown was the desk.
        assert visited
        assert {urlsplit(url).path for url in visited} == {"/met26/manage/check-in"}, visited
        assert errors == []
    finally:
        context.close()


def test_the_desk_scripts_speak_the_desk_language(
    browser, congress, organizer, live_server_factory
):
    """The camera scanner's messages come from the page, in the organizer's language (here
    the browser's French): no camera in the test browser, so it says why in French."""
    server = live_server_factory()
    context = browser.new_context(viewport=TABLET, locale="fr-FR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{server.url}/login")
        page.fill("#email", organizer.email)
        page.fill("#password", PASSWORD)
        page.click("input[type=submit]")
        page.goto(f"{server.url}/met26/manage/check-in")
        assert "Scannez ou saisissez une référence (MET26-XXXX)" in (
            page.get_attribute("#query", "placeholder") or ""
        )
        page.click("summary")
        page.click("#start-camera")
        page.wait_for_function(
            "() => document.getElementById('camera-status').textContent.includes('pas pu')"
        )
        status = page.inner_text("#camera-status")
        assert status.startswith("La caméra n\u2019a pas pu démarrer"), status
        assert "camera" not in page.inner_text("#qr-reader").lower()  # no English library UI
        assert errors == []
    finally:
        context.close()
