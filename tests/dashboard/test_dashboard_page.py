"""The organizer dashboard page on the small demo: figures, charts and their text alternatives."""

from __future__ import annotations

import pytest
from lxml import html

from conference.accounts.services import get_user_by_email


@pytest.fixture
def demo(app, tmp_path, demo_copy):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    return demo_copy()


def test_dashboard_renders_every_chart_with_a_title_and_description(client, auth, demo):
    auth.login(get_user_by_email("organizer@example.org"))
    response = client.get("/met26/manage/")
    assert response.status_code == 200
    page = html.fromstring(response.data)
    svgs = page.xpath("//svg[contains(@class, 'chart-svg')]")
    assert len(svgs) == 9
    for svg in svgs:
        title_id, desc_id = svg.get("aria-labelledby").split()
        assert page.get_element_by_id(title_id).text_content().strip()
        assert page.get_element_by_id(desc_id).text_content().strip()


def test_every_chart_has_a_data_table_with_its_numbers_and_no_inline_script(client, auth, demo):
    auth.login(get_user_by_email("organizer@example.org"))
    page = html.fromstring(client.get("/met26/manage/").data)
    for figure in page.xpath("//figure[contains(@class, 'chart')]"):
        tables = figure.xpath(".//details//table")
        assert tables, figure.get("id")
        assert tables[0].xpath("./caption")[0].text_content().strip()
    decisions = page.get_element_by_id("chart-decisions")
    # Numbers written on the bars as text, the same as in the table.
    drawn = [t.text for t in decisions.xpath(".//*[local-name()='text'][@class='chart-value']")]
    tabled = [td.text_content() for td in decisions.xpath(".//table/tbody/tr/td[1]")]
    assert drawn == tabled
    assert not [s for s in page.xpath("//script") if not s.get("src")]


def test_without_a_congress_the_site_opens_and_offers_to_create_one(client, auth, create_user):
    auth.login(create_user(role="admin"))
    response = client.get("/")
    assert response.status_code == 200
    assert b"No congress is open at the moment." in response.data
    assert b'href="/manage/congresses/new"' in response.data
    assert client.get("/manage/congresses").status_code == 200
    assert client.get("/met26/manage/").status_code == 404  # a dashboard belongs to a congress


def test_abstract_list_filters_by_the_decision_a_dashboard_bar_stands_for(client, auth, demo):
    auth.login(get_user_by_email("organizer@example.org"))

    def decisions_listed(query):
        page = html.fromstring(client.get(f"/met26/manage/abstracts?{query}").data)
        headers = [th.text_content() for th in page.xpath("//table[@id='abstract-list']//th")]
        column = headers.index("Decision") + 1
        rows = page.xpath("//table[@id='abstract-list']/tbody/tr[td[2]]")
        return [row.xpath(f"./td[{column}]")[0].text_content().strip() for row in rows]

    rejected = decisions_listed("status=submitted&outcome=rejected")
    assert rejected and all(d.startswith("Not accepted") for d in rejected)
    undecided = decisions_listed("status=submitted&outcome=undecided")
    assert undecided and all(d == "" for d in undecided)
    everything = decisions_listed("status=submitted")
    assert len(everything) > len(rejected) + len(undecided)
    # An unknown decision is no filter (and never a 500).
    assert decisions_listed("status=submitted&outcome=accepted%27") == everything
