"""Browser journey: an author writes an abstract with the live counter, fixes what submit
shows and submits; a reviewer scores it blind; an organizer decides and releases."""

from conference.abstracts import review
from conference.abstracts.counting import CountingRule, count_length
from conference.extensions import db
from conference.mail import deliver_due
from tests.factories import PASSWORD


def log_in(page, base, user):
    page.goto(base + "/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()


def log_out(page):
    page.get_by_role("button", name="Log out").click()


def test_author_reviewer_organizer_journey(page, congress, smtp, create_user, live_server_factory):
    track = congress.tracks[0]
    author = create_user(
        name="Irene Author", affiliation="Hospital del Mar", country="ES", email="irene@example.org"
    )
    reviewer = create_user(
        "reviewer", name="Rolf Reviewer", affiliation="Karolinska Institutet", tracks=[track]
    )
    organizer = create_user("organizer", name="Olga Organizer")
    review.set_track_reviewers(track, [reviewer])
    congress.reviews_per_abstract = 1
    db.session.commit()
    server = live_server_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    base = server.url

    # -- the author ------------------------------------------------------------------------
    log_in(page, base, author)
    page.goto(base + "/met26/abstracts/new")
    page.get_by_label("Track").select_option(track.slug)
    title = "Circulating tumour DNA after liver metastasectomy"
    sections = {
        "background": "Relapse after resection of colorectal liver metastases is common.",
        "methods": "We sampled plasma from 84 patients before and after surgery.",
        "results": "Detectable ctDNA after surgery predicted relapse (HR 4.1).",
    }
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Background").fill(sections["background"])
    page.get_by_label("Methods").fill(sections["methods"])
    page.get_by_label("Results").fill(sections["results"])
    counter = page.locator("#length-counter")
    expected = count_length(CountingRule.of(congress), title=title, sections=sections, table=None)
    assert counter.get_attribute("data-count") == str(expected)
    assert f"{expected} / 2000 characters" in counter.inner_text()
    page.get_by_label("Table (optional)").fill("Group | Relapse\nctDNA+ | 80%")
    assert counter.get_attribute("data-count") == str(expected + len("GroupRelapsectDNA+80%"))

    page.get_by_role("button", name="Submit abstract").click()
    page.get_by_text("Write the conclusions section.").wait_for()
    assert page.get_by_text("Irene Author has no disclosure").is_visible()
    assert page.get_by_text("Confirm: Ethics approval").is_visible()
    assert page.get_by_label("Title", exact=True).input_value() == title  # kept

    page.get_by_label("Conclusions").fill("Post-operative ctDNA identifies high-risk patients.")
    page.locator("#authors-0-nothing_to_disclose").check()
    for label in (
        "Ethics approval",
        "not been published",
        "co-authors agree",
        "register and present",
    ):
        page.get_by_label(label).check()
    page.get_by_role("button", name="Submit abstract").click()
    page.get_by_text("Abstract A-0001 submitted. We sent you a receipt.").wait_for()
    assert page.locator("#status").inner_text() == "Submitted"
    log_out(page)

    # -- the organizer assigns -------------------------------------------------------------
    log_in(page, base, organizer)
    page.goto(base + "/met26/manage/review")
    page.get_by_role("button", name="Assign reviewers").click()
    page.locator("#assignment-summary").get_by_text("1", exact=True).wait_for()
    log_out(page)

    # -- the reviewer scores, blind --------------------------------------------------------
    log_in(page, base, reviewer)
    page.goto(base + "/met26/review/")
    page.get_by_role("link", name="Review", exact=True).last.click()
    body = page.content()
    for secret in ("Irene Author", "irene@example.org", "Hospital del Mar"):
        assert secret not in body
    for label, score in (("Novelty", "4"), ("Methods", "4"), ("Results", "5")):
        page.get_by_label(label).select_option(score)
    page.get_by_label("Clinical relevance").select_option("5")
    page.get_by_label("Overall score").select_option("5")
    page.get_by_label("Comment for the authors").fill("Convincing; report the assay's sensitivity.")
    page.get_by_role("button", name="Save review").click()
    page.get_by_text("Review of A-0001 saved.").wait_for()
    log_out(page)

    # -- the organizer decides and releases ------------------------------------------------
    log_in(page, base, organizer)
    page.goto(base + "/met26/manage/abstracts")
    assert "5.00" in page.locator("#abstract-list").inner_text()
    page.get_by_role("link", name=title).click()
    page.get_by_label("Outcome").select_option("oral")
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("Decision recorded for A-0001").wait_for()
    page.goto(base + "/met26/manage/abstracts")
    page.get_by_role("button", name="Preview the release of decisions").click()
    page.get_by_text("1 decision: 0 changed since the last release, 1 never released").wait_for()
    assert "Dear " in page.locator(".release-sample").inner_text()
    page.get_by_role("button", name="Send").click()
    page.get_by_text("1 decision released").wait_for()
    page.goto(base + "/met26/manage/abstracts")
    page.get_by_role("button", name="Preview the release of decisions").click()
    page.get_by_text("nothing would be sent").wait_for()

    with server.app.app_context():
        deliver_due()
    decision = [m for m in smtp.to("irene@example.org") if "oral" in m["Subject"]]
    assert len(decision) == 1
    assert "report the assay's sensitivity" in smtp.text_of(decision[0])
    assert page.js_errors == []


def test_live_counter_matches_the_server_for_other_rules(
    page, congress, create_user, live_server_factory
):
    author = create_user(name="Uma Unicode")
    congress.count_spaces = True
    congress.count_headings = True
    congress.count_title = False
    congress.table_counting = "flat"
    congress.table_flat_amount = 320
    congress.length_limit = 3400
    db.session.commit()
    server = live_server_factory()
    log_in(page, server.url, author)
    page.goto(server.url + "/met26/abstracts/new")
    sections = {
        "background": "Ärzte\tsaw 😀 two\r\nlines  and   spaces ",
        "methods": "",
        "results": "x",
    }
    page.get_by_label("Title", exact=True).fill("Not counted here")
    for name, text in sections.items():
        page.get_by_label(name.capitalize()).fill(text)
    page.get_by_label("Table (optional)").fill("a | b\n  \nc | d")
    table = [["a", "b"], ["c", "d"]]
    expected = count_length(CountingRule.of(congress), title="x", sections=sections, table=table)
    assert page.locator("#length-counter").get_attribute("data-count") == str(expected)
    assert page.js_errors == []
