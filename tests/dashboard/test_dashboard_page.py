"""The organizer dashboard page on the small demo: figures, charts and their text alternatives."""

from __future__ import annotations

import pytest
from lxml import html

from conference.accounts.services import get_user_by_email
from conference.demo import load_demo
from conference.extensions import db


@pytest.fixture
def demo(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    result = load_demo()
    db.session.commit()
    return result


def test_dashboard_renders_every_chart_with_a_title_and_description(client, auth, demo):
    auth.login(get_user_by_email("organizer@example.org"))
    response = client.get("/manage/")
    assert response.status_code == 200
    page = html.fromstring(response.data)
    svgs = page.xpath("//svg[contains(@class, 'chart-svg')]")
    assert len(svgs) == 9
    for svg in svgs:
        title_id, desc_id = svg.get("aria-labelledby").split()
        assert page.get_element_by_id(title_id).text_content().strip()
        assert page.get_element_by_id(desc_id).text_content().strip()
