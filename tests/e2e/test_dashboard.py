"""Browser test of the organizer dashboard: the SVG charts draw, carry text alternatives and
data tables, and their links lead to the lists behind them (demo data, CSP on)."""

from __future__ import annotations

import os

import pytest

from conference.demo.core import DEMO_PASSWORD


@pytest.fixture
def demo(app, tmp_path, demo_copy):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    return demo_copy()


def test_organizer_reads_the_dashboard_charts_and_follows_a_figure_to_its_list(
    page, live_server_factory, demo
):
    server = live_server_factory()
    csp_violations: list[str] = []
    page.on(
        "console",
        lambda msg: (
            csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    page.goto(f"{server.url}/login")
    page.fill("input[name=email]", "organizer@example.org")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{server.url}/met26/manage/")

    charts = page.locator("svg.chart-svg")
    assert charts.count() == 9
    for index in range(charts.count()):
        svg = charts.nth(index)
        box = svg.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 40
        # A text alternative: the title and description the SVG is labelled by.
        title_id, desc_id = svg.get_attribute("aria-labelledby").split()
        assert page.locator(f"#{title_id}").text_content().strip()
        assert page.locator(f"#{desc_id}").text_content().strip()
        assert svg.get_attribute("role") in ("img", "group")

    # Numbers are written as text on the bars, not only drawn.
    decisions = page.locator("#chart-decisions")
    assert decisions.locator("text.chart-value").count() == 7
    # The same figures as a table, a click away.
    decisions.locator("summary").click()
    table = decisions.locator("table.chart-table")
    assert table.is_visible()
    assert table.locator("tbody tr").count() == 7

    if os.environ.get("DASHBOARD_SCREENSHOT"):
        page.screenshot(path=os.environ["DASHBOARD_SCREENSHOT"], full_page=True)

    # A bar's label leads to the list behind it, with the same number of rows.
    row = table.locator("tbody tr", has_text="Not accepted")
    count = int(row.locator("td").first.text_content())
    row.locator("th a").click()
    page.wait_for_load_state()
    assert "outcome=rejected" in page.url
    assert page.locator("#abstract-list tbody tr").count() == max(count, 1)
    assert not page.js_errors
    assert not csp_violations
