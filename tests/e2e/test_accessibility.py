"""Accessibility in Chromium: axe-core (vendored, tests/e2e/vendor) finds no serious or critical
WCAG 2.0/2.1 A/AA violation on the main pages, as each kind of user sees them; public pages
fit a 320 px wide screen (WCAG 1.4.10 reflow, the same as 1280 px at 400 % zoom) and organizer
pages 640 px (200 % zoom); registration and abstract submission complete with the keyboard
alone, with a visible focus.

Browser contexts that run axe bypass the Content Security Policy: axe is injected as an inline
script, which the app's CSP (rightly) refuses."""

from __future__ import annotations

import contextlib
import functools
import re
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlalchemy import select

from conference.abstracts.models import Abstract, ReviewAssignment
from conference.accounts.models import User
from conference.demo.core import DEMO_PASSWORD
from conference.extensions import db
from conference.industry.models import Sponsor
from conference.program.schedule_models import ProgramSession
from conference.registration import services as registration_services
from conference.registration.models import Registration
from conference.registration.queries import get_category_by_slug
from conference.registration.tokens import manage_path, manage_token
from tests.factories import PASSWORD

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
#: Sub-pixel rounding and scrollbars: more than this is content that does not reflow.
OVERFLOW_TOLERANCE = 2


@functools.cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """Run axe-core on the loaded page; the serious and critical WCAG A/AA violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_AA,
    )
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def describe(url: str, violations: list[dict]) -> str:
    lines = [f"{url}:"]
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"      {' '.join(node['target'])}  {node['failureSummary'][:200]!r}")
    return "\n".join(lines)


def overflow(page, width: int, path: str) -> list[str]:
    """[a description] when the page scrolls sideways at this window width, else []."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width <= width + OVERFLOW_TOLERANCE:
        return []
    too_wide = page.evaluate(
        "width => [...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > width)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className)",
        width + OVERFLOW_TOLERANCE,
    )
    return [f"{width}px {path}: scrollWidth {scroll_width}, too wide: {too_wide}"]


def login(context, server, email: str):
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{email} could not log in"
    return page


@pytest.fixture
def demo(app, tmp_path, demo_copy):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    return demo_copy()


def test_main_pages_have_no_serious_axe_violation(browser, demo, live_server_factory, tmp_path):
    server = live_server_factory(UPLOAD_DIR=str(tmp_path / "uploads"))
    congress = demo.congress
    session = db.session.scalars(
        select(ProgramSession)
        .where(ProgramSession.congress_id == congress.id)
        .order_by(ProgramSession.starts_at)
    ).first()
    # One who has not evaluated the congress yet (the demo's CME data has some who have), so
    # that the evaluation form is there to be sent empty.
    from conference.cme.models import EvaluationReceipt

    registration = db.session.scalars(
        select(Registration)
        .where(Registration.id.not_in(select(EvaluationReceipt.registration_id)))
        .order_by(Registration.id)
    ).first()
    reviewer = db.session.scalar(select(User).where(User.email == "reviewer@example.org"))
    to_review = db.session.scalars(
        select(Abstract)
        .join(ReviewAssignment)
        .where(ReviewAssignment.reviewer_id == reviewer.id)
        .order_by(ReviewAssignment.reviewed_at.is_not(None), Abstract.id)
    ).first()
    helix = db.session.scalar(select(Sponsor).where(Sponsor.name == "Helix Biopharma"))
    assert session and registration and to_review and helix
    learner_token = manage_token(registration.reference, registration.manage_salt)

    pages = {
        None: [
            "/",
            "/archive",
            "/met26/",
            "/met26/program",
            f"/met26/program/sessions/{session.id}",
            "/met26/register",
            manage_path(registration),
            # The learner's CME pages, reached from the manage page (with its token).
            f"/met26/cme/learners/{registration.reference}?token={learner_token}",
            f"/met26/cme/learners/{registration.reference}/evaluation?token={learner_token}",
            "/accessibility",
            "/met26/sponsors",
            "/met26/exhibition",
        ],
        "sponsor@example.org": [
            f"/met26/sponsor/{helix.id}",
            f"/met26/sponsor/{helix.id}/scan",
            f"/met26/sponsor/{helix.id}/passes",
            f"/met26/sponsor/{helix.id}/leads",
            f"/met26/sponsor/{helix.id}/satellites",
        ],
        "admin@example.org": ["/manage/congresses", "/manage/congresses/new"],
        "author@example.org": ["/met26/abstracts/", "/met26/abstracts/new", "/met26/program"],
        "reviewer@example.org": ["/met26/review/", f"/met26/review/{to_review.id}"],
        "organizer@example.org": [
            "/met26/manage/",
            "/met26/manage/abstracts",
            f"/met26/manage/abstracts/{to_review.id}",
            "/met26/manage/registrations",
            "/met26/manage/program",
            "/met26/manage/program?zoom=fit",
            "/met26/manage/program/conflicts",
            "/met26/manage/check-in",
            "/met26/manage/industry",
            f"/met26/manage/industry/sponsors/{helix.id}",
            "/met26/manage/industry/report",
            "/met26/manage/cme/questions",
            "/met26/manage/industry/booths",
            "/met26/manage/industry/satellites",
        ],
    }
    failures = []
    for email, paths in pages.items():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        context.set_default_timeout(15_000)
        page = login(context, server, email) if email else context.new_page()
        for path in paths:
            response = page.goto(server.url + path)
            assert response.status == 200, (path, response.status)
            if violations := axe_violations(page):
                failures.append(describe(f"{email or 'visitor'} {path}", violations))
            if path == "/met26/manage/program":
                # Drag and drop has a keyboard way: each block links its move and edit forms.
                blocks_without_forms = page.eval_on_selector_all(
                    ".sched-session",
                    "blocks => blocks.filter(b => !b.querySelector('a.sched-move[href]')"
                    " || !b.querySelector('a.sched-title[href]')).map(b => b.id)",
                )
                assert page.locator(".sched-session").count() > 10
                if blocks_without_forms:
                    failures.append(f"editor blocks without forms: {blocks_without_forms}")
        if email == "organizer@example.org":
            # 200 % zoom of a 1280 px window: the organizer pages fit 640 CSS px (wide tables and
            # the schedule grid scroll inside their own box, the page does not).
            page.set_viewport_size({"width": 640, "height": 450})
            for path in [
                "/met26/manage/",
                "/met26/manage/abstracts",
                "/met26/manage/registrations",
                "/met26/manage/check-in",
            ]:
                page.goto(server.url + path)
                failures += overflow(page, 640, path)
        if email is None:
            # A form sent empty shows its errors: they too must be perceivable.
            page.goto(f"{server.url}/met26/register")
            page.click("#register-form [type=submit]")
            page.wait_for_selector(".invalid-feedback")
            if violations := axe_violations(page):
                failures.append(describe("visitor /register with errors", violations))
            invalid = page.eval_on_selector_all(
                ".is-invalid",
                "fields => fields.filter(f => !(f.getAttribute('aria-describedby') || '')"
                ".split(' ').some(id => document.getElementById(id)?.classList"
                ".contains('invalid-feedback'))).map(f => f.id)",
            )
            if invalid:
                failures.append(f"fields whose error is not described: {invalid}")
            # The CME evaluation sent empty: each question's error beside its group.
            page.goto(
                f"{server.url}/met26/cme/learners/{registration.reference}/evaluation"
                f"?token={learner_token}"
            )
            page.click("#evaluation-form [type=submit]")
            page.wait_for_selector(".invalid-feedback")
            if violations := axe_violations(page):
                failures.append(describe("visitor CME evaluation with errors", violations))
        context.close()

    # 320 CSS px wide (WCAG 1.4.10; also 200 % zoom of a 640 px window): nothing scrolls
    # sideways, and axe still passes where the layout changes most.
    context = browser.new_context(viewport={"width": 320, "height": 640}, bypass_csp=True)
    page = context.new_page()
    narrow = [
        "/",
        "/met26/",
        "/met26/program",
        f"/met26/program/sessions/{session.id}",
        "/met26/register",
        "/accessibility",
    ]
    for path in [*narrow, manage_path(registration)]:
        page.goto(server.url + path)
        failures += overflow(page, 320, path)
        if path in ("/met26/program", "/met26/register") and (violations := axe_violations(page)):
            failures.append(describe(f"320px {path}", violations))
    context.close()

    assert not failures, "\n".join(failures)


# -- the keyboard alone ---------------------------------------------------------------------------

FOCUSED_MATCHES = "selector => document.activeElement && document.activeElement.matches(selector)"
FOCUS_SHOWN = """() => {
  const style = getComputedStyle(document.activeElement);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1;
  return outline || style.boxShadow !== 'none';
}"""


def tab_to(page, selector: str, *, limit: int = 120) -> None:
    """Press Tab until `selector` has the focus; the focus must be visible on it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_MATCHES, selector):
            assert page.evaluate(FOCUS_SHOWN), f"focus on {selector} is not visible"
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def test_registration_with_the_keyboard_alone(page, congress, live_server_factory, tmp_path):
    oncologist = get_category_by_slug(congress, "oncologist")
    registration_services.set_category_rules(
        oncologist, fees={"early": "400", "regular": "500", "onsite": "600"}
    )
    db.session.commit()
    server = live_server_factory(UPLOAD_DIR=str(tmp_path / "uploads"))
    page.goto(f"{server.url}/met26/register")

    # Sent too early: the errors are tied to their fields, and the first one gets the focus.
    tab_to(page, "#register-form [type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".invalid-feedback")
    # The page's script moves the focus once the page has loaded (after the errors appear).
    page.wait_for_load_state("load")
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(FOCUSED_MATCHES, arg="#first_name", timeout=5_000)
    assert page.evaluate("document.activeElement.id") == "first_name"
    assert "first_name-error" in page.evaluate(
        "document.activeElement.getAttribute('aria-describedby')"
    )

    page.keyboard.type("Kira")  # the focus is already on the first name
    type_into(page, "#last_name", "Keyboard")
    type_into(page, "#email", "kira@example.org")
    type_into(page, "#affiliation", "Medical University of Vienna")
    type_into(page, "#country", "Austria")
    type_into(page, "#category", "Oncologist")
    tab_to(page, "#accept_terms")
    page.keyboard.press("Space")
    tab_to(page, "#register-form [type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.locator("#reference").count(), page.locator(
        ".invalid-feedback, .alert"
    ).all_inner_texts()
    assert re.fullmatch(r"MET26-[2-9A-Z]{4}", page.inner_text("#reference"))
    registration = db.session.scalar(
        select(Registration).where(Registration.email == "kira@example.org")
    )
    assert (registration.first_name, registration.country) == ("Kira", "AT")
    assert registration.category.name == "Oncologist"
    assert page.js_errors == []


def test_abstract_submission_with_the_keyboard_alone(
    page, congress, create_user, live_server_factory
):
    author = create_user(name="Kai Keys", affiliation="Hospital del Mar", country="ES")
    server = live_server_factory()
    page.goto(f"{server.url}/login")
    type_into(page, "input[name=email]", author.email)
    type_into(page, "input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Log out")

    page.goto(f"{server.url}/met26/abstracts/new")
    type_into(page, "#track", congress.tracks[1].name)
    type_into(page, "#title", "Keyboard-only submission of a liver metastasis study")
    type_into(page, "#background", "Relapse after resection is common.")
    type_into(page, "#methods", "We followed 84 patients.")
    type_into(page, "#results", "Half relapsed within two years.")
    type_into(page, "#conclusions", "Follow-up matters.")
    for checkbox in (
        "#authors-0-nothing_to_disclose",
        "#attest_ethics_approval",
        "#attest_not_previously_published",
        "#attest_coauthors_agree",
        "#attest_will_present",
    ):
        tab_to(page, checkbox)
        page.keyboard.press("Space")
    tab_to(page, "#abstract-form [type=submit][name=submit]")
    page.keyboard.press("Enter")

    page.wait_for_selector("text=submitted. We sent you a receipt.")
    abstract = db.session.scalar(select(Abstract).where(Abstract.submitter_id == author.id))
    assert abstract.status == "submitted"
    assert abstract.track_id == congress.tracks[1].id
    assert page.js_errors == []
