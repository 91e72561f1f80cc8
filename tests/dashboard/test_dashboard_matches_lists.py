"""Every dashboard figure equals the list it links to, computed both ways on the large demo.

The figures come from grouped queries (each domain's `dashboard_figures`); the other way
follows the figure's link and counts the rows of that page (or its CSV export, which takes the
same filters and is not paginated), or adds up the per-row amounts the list shows.

The large demo (240 abstracts, 16 registrations in every status, 4 days of 24 rooms) takes
30 to 70 s to load on a shared machine: it is loaded once per run (`demo_snapshots` in
tests/conftest.py), copied in once for this module and only read by its tests. On top of it
the congress is set in motion: acceptances without slots, a room booked twice, and a round of
mail delivery in which some addresses bounce for good.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from lxml import html
from sqlalchemy import func, select

from conference.abstracts import decisions
from conference.abstracts.models import Abstract, AbstractStatus
from conference.accounts.services import get_user_by_email
from conference.extensions import db, limiter
from conference.mail import OutboxMessage, deliver_due
from conference.program import sessions as session_services
from conference.program.queries import get_current_congress
from conference.program.schedule_models import ProgramSession
from tests.conftest import AuthActions, _empty_tables, free_port


class _RefusingMailbox:
    """An SMTP server's handler that refuses some recipients for good (550), accepts others."""

    def __init__(self):
        self.accepted = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address[:1].lower() in "abcdef":
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.accepted += 1
        return "250 Message accepted for delivery"


def _work_the_congress(app) -> None:
    """A congress in mid-course on top of the demo: more acceptances than slots, a room booked
    twice, and a round of mail in which some addresses bounce for good."""
    congress = get_current_congress()
    organizer = get_user_by_email("organizer@example.org")
    undecided = db.session.scalars(
        select(Abstract)
        .where(
            Abstract.congress_id == congress.id,
            Abstract.status == AbstractStatus.SUBMITTED,
            Abstract.outcome.is_(None),
        )
        .order_by(Abstract.id)
        .limit(12)
    ).all()
    decisions.decide_abstracts(undecided[:8], "poster", organizer, confirm_incomplete=True)
    decisions.decide_abstracts(undecided[8:], "rejected", organizer, confirm_incomplete=True)
    # Only released acceptances can be placed in the program: release them (the demo's other
    # decided abstracts are released already).
    decisions.release_decisions(congress)
    booked = db.session.scalars(
        select(ProgramSession)
        .where(ProgramSession.congress_id == congress.id, ProgramSession.room_id.is_not(None))
        .order_by(ProgramSession.starts_at, ProgramSession.id)
        .limit(1)
    ).one()
    session_services.create_session(
        congress,
        title="Tumour board: oligometastatic disease",
        format="tumour_board",
        room=booked.room,
        starts_at=booked.starts_at,
        ends_at=booked.ends_at,
        is_accredited=True,
    )
    db.session.commit()
    handler = _RefusingMailbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    mail_state = app.extensions["mail"]
    saved = (mail_state.server, mail_state.port)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    mail_state.server, mail_state.port = "127.0.0.1", port
    try:
        deliver_due(limit=40)
    finally:
        controller.stop()
        mail_state.server, mail_state.port = saved


@pytest.fixture(scope="module")
def large_demo(_shared_app, tmp_path_factory, demo_snapshots):
    """The large demo, loaded once and set in motion; the tests of this module only read it."""
    app = _shared_app
    saved = dict(app.config)
    app.config["UPLOAD_DIR"] = str(tmp_path_factory.mktemp("uploads"))
    ctx = app.app_context()
    ctx.push()
    limiter.reset()
    demo_snapshots.restore("large")
    _work_the_congress(app)
    yield app
    db.session.remove()
    _empty_tables(app)
    ctx.pop()
    app.config.clear()
    app.config.update(saved)


@pytest.fixture(scope="module")
def organizer_client(large_demo):
    client = large_demo.test_client()
    AuthActions(client).login(get_user_by_email("organizer@example.org"))
    return client


@pytest.fixture(scope="module")
def figures(organizer_client):
    """The dashboard's figures, as the API gives them (the page renders the same dict)."""
    from conference.accounts.services import issue_api_token

    raw, _ = issue_api_token(get_user_by_email("organizer@example.org"))
    db.session.commit()
    response = organizer_client.get(
        "/api/v1/congresses/met26/dashboard", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _page(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    return html.fromstring(response.data)


def _csv_rows(client, list_url: str) -> list[dict]:
    """The registrations list behind `list_url`, every row (its CSV export, same filters)."""
    parts = urlsplit(list_url)
    response = client.get(
        parts.path.replace("/registrations", "/registrations.csv") + "?" + parts.query
    )
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _abstract_rows(client, list_url: str):
    return _page(client, list_url).xpath("//table[@id='abstract-list']/tbody/tr[td[2]]")


def test_the_large_demo_has_figures_worth_checking(figures):
    registrations = figures["registrations"]
    assert registrations["totals"]["holding"] > 10
    assert Decimal(registrations["totals"]["paid"]) > 0
    assert Decimal(registrations["totals"]["outstanding"]) > 0
    assert sum(t["submitted"] for t in figures["abstracts"]["by_track"]) > 150
    assert figures["abstracts"]["accepted"] > 0
    assert figures["abstracts"]["review_progress"]
    assert figures["abstracts"]["reviewers_behind"]
    program = figures["program"]
    assert program["unscheduled"] == 8
    assert program["conflicts_by_kind"]["room_overlap"] >= 1
    assert program["conflicts_by_kind"]["unscheduled_abstract"] == 8
    counts = figures["outbox"]["counts"]
    assert counts["sent"] > 0 and counts["failed"] > 0 and counts["queued"] > 50


def test_places_per_category_equal_the_registrations_listed(organizer_client, figures):
    registrations = figures["registrations"]
    listed_total = 0
    for category in registrations["categories"]:
        rows = _csv_rows(organizer_client, category["list_url"])
        assert {row["category"] for row in rows} <= {category["name"]}
        assert len(rows) == category["holding"], category["slug"]
        listed_total += len(rows)
    assert listed_total == registrations["totals"]["holding"]
    everyone = _csv_rows(organizer_client, registrations["list_url"])
    assert len(everyone) == registrations["totals"]["holding"]


def test_cumulative_places_per_day_end_at_the_places_held(figures):
    registrations = figures["registrations"]
    days = registrations["places_per_day"]
    assert days[-1]["cumulative"] == registrations["totals"]["holding"]
    assert sum(day["new"] for day in days) == registrations["totals"]["holding"]
    for category in registrations["categories"]:
        assert days[-1]["by_category"][category["slug"]] == category["holding"]


def test_paid_and_outstanding_equal_the_amounts_of_the_registrations_listed(
    organizer_client, figures
):
    """Grouped SQL on one side; each listed registration's paid and due (the model's own
    arithmetic, in the CSV) on the other."""
    registrations = figures["registrations"]
    paid_total = outstanding_total = Decimal("0.00")
    holding = {"awaiting_verification", "awaiting_payment", "confirmed"}
    for category in registrations["categories"]:
        every_status = _csv_rows(organizer_client, category["all_url"])
        paid = sum((Decimal(r["paid"]) for r in every_status), Decimal("0.00"))
        due = sum(
            (Decimal(r["due"]) for r in every_status if r["status"] in holding), Decimal("0.00")
        )
        assert Decimal(category["paid"]) == paid, category["slug"]
        assert Decimal(category["outstanding"]) == due, category["slug"]
        paid_total += paid
        outstanding_total += due
    assert Decimal(registrations["totals"]["paid"]) == paid_total
    assert Decimal(registrations["totals"]["outstanding"]) == outstanding_total


def test_totals_page_shows_the_dashboard_grand_totals_and_category_amounts(
    organizer_client, figures
):
    registrations = figures["registrations"]
    page = _page(organizer_client, registrations["totals_url"])
    grand = page.get_element_by_id("grand-total")
    assert grand.xpath(".//td[@data-total='paid']")[0].text == registrations["totals"]["paid"]
    assert (
        grand.xpath(".//td[@data-total='outstanding']")[0].text
        == registrations["totals"]["outstanding"]
    )
    per_category = {
        row.get("data-category"): row
        for row in page.xpath("//table[@id='totals-by-category']/tbody/tr")
    }
    for category in registrations["categories"]:
        if not (category["paid"] != "0.00" or category["holding"]):
            continue
        row = per_category[category["slug"]]
        assert row.xpath("./td[@data-total='paid']")[0].text == category["paid"]
        assert row.xpath("./td[@data-total='outstanding']")[0].text == category["outstanding"]
    # Per category and period, the fee-period rows add up to the grand total.
    footer = page.xpath("//table[@id='totals']/tfoot/tr/td")
    assert footer[-2].text == registrations["totals"]["paid"]
    assert footer[-1].text == registrations["totals"]["outstanding"]


def test_abstracts_by_track_and_status_equal_the_abstracts_listed(organizer_client, figures):
    for track in figures["abstracts"]["by_track"]:
        for status, url in track["list_urls"].items():
            if url is None:
                continue
            rows = _abstract_rows(organizer_client, url)
            assert len(rows) == track[status], (track["name"], status)


def test_review_progress_equals_the_reviews_of_the_abstracts_listed(organizer_client, figures):
    """Per track, the reviews done/assigned column of the listed abstracts adds up to the bar."""
    for progress in figures["abstracts"]["review_progress"]:
        done = assigned = 0
        for row in _abstract_rows(organizer_client, progress["list_url"]):
            done_text, assigned_text = row.xpath("./td[5]")[0].text.split("/")
            done += int(done_text)
            assigned += int(assigned_text)
        assert (done, assigned) == (progress["done"], progress["assigned"]), progress["track"]


def test_reviewers_behind_equal_the_progress_table_of_the_review_page(organizer_client, figures):
    abstracts = figures["abstracts"]
    page = _page(organizer_client, abstracts["reviewers_url"])
    behind = []
    for row in page.xpath("//table[@id='progress-reviewers']/tbody/tr"):
        name, done, assigned = (cell.text for cell in row.xpath("./td")[:3])
        if int(done) < int(assigned):
            behind.append({"name": name, "done": int(done), "assigned": int(assigned)})
    assert behind
    assert sorted(behind, key=lambda r: r["name"]) == sorted(
        abstracts["reviewers_behind"], key=lambda r: r["name"]
    )


def test_decisions_by_outcome_equal_the_abstracts_listed(organizer_client, figures):
    decisions = figures["abstracts"]["decisions"]
    assert sum(d["count"] for d in decisions) == sum(
        t["submitted"] for t in figures["abstracts"]["by_track"]
    )
    for decision in decisions:
        rows = _abstract_rows(organizer_client, decision["list_url"])
        assert len(rows) == decision["count"], decision["outcome"]
        assert parse_qs(urlsplit(decision["list_url"]).query)["outcome"] == [decision["outcome"]]
    accepted = sum(
        d["count"] for d in decisions if d["outcome"] in figures["abstracts"]["accepted_outcomes"]
    )
    assert accepted == figures["abstracts"]["accepted"]


def test_program_completeness_equals_the_editor_and_conflict_lists(organizer_client, figures):
    program = figures["program"]
    editor = _page(organizer_client, program["schedule_url"])
    unscheduled = editor.xpath("//ol[contains(@class, 'sched-unscheduled')]/li")
    assert len(unscheduled) == program["unscheduled"]
    assert program["scheduled"] + program["unscheduled"] == program["accepted"]
    conflicts = _page(organizer_client, program["conflicts_url"]).xpath("//li[@class='conflict']")
    assert len(conflicts) == program["conflicts"]
    for kind, count in program["conflicts_by_kind"].items():
        assert sum(1 for c in conflicts if c.get("data-kind") == kind) == count, kind


def test_outbox_health_equals_the_messages_listed(organizer_client, figures):
    outbox = figures["outbox"]
    for status, url in outbox["list_urls"].items():
        listed, page_number = 0, 1
        while True:
            rows = _page(organizer_client, f"{url}&page={page_number}").xpath(
                "//table/tbody/tr[td[2]]"
            )
            listed += len(rows)
            if len(rows) < 50:
                break
            page_number += 1
        assert listed == outbox["counts"][status], status
    stored = db.session.scalar(select(func.count(OutboxMessage.id)))
    assert sum(outbox["counts"].values()) == stored


def test_dashboard_page_shows_the_api_figures(organizer_client, figures):
    page = _page(organizer_client, "/met26/manage/")
    registrations = figures["registrations"]
    places = page.xpath("//dd[@data-figure='places']/a")[0]
    assert places.text == str(registrations["totals"]["holding"])
    assert places.get("href") == registrations["list_url"]
    decision_rows = page.xpath("//figure[@id='chart-decisions']//table/tbody/tr")
    assert [
        (r.xpath("./th/a")[0].get("href"), r.xpath("./td")[0].text_content()) for r in decision_rows
    ] == [(d["list_url"], f"{d['count']:,}") for d in figures["abstracts"]["decisions"]]
