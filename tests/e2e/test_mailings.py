"""Browser journey of a mailing: an organizer writes to the reviewers, fixes an unknown
placeholder, checks the preview, sends it (CSRF on) and sees it queued per recipient."""

from __future__ import annotations

from sqlalchemy import func, select

from conference.extensions import db
from conference.mail import OutboxMessage
from tests.e2e.test_program import login


def test_organizer_previews_then_sends_a_mailing(page, live_server_factory, organizer, create_user):
    create_user("reviewer", email="rita@example.org", name="Rita Rezensentin")
    create_user("reviewer", email="omar@example.org", name="عمر الفاروق")
    server = live_server_factory()
    login(page, server, organizer)
    page.goto(f"{server.url}/met26/manage/mailings/new")
    page.select_option("#group", "reviewers")
    page.fill("#subject", "{congress}: thank you")
    page.fill("#body", "Dear {nom},\nthank you for your reviews.")
    page.click("#preview-mailing")
    page.wait_for_selector("text=Unknown placeholder: {nom}")
    assert page.input_value("#body") == "Dear {nom},\nthank you for your reviews."
    page.fill("#body", "Dear {name},\nthank you for your reviews.")
    page.click("#preview-mailing")
    page.wait_for_selector("#mailing-confirm")
    assert "2 recipients" in page.inner_text("#mailing-count")
    assert "Dear " in page.inner_text("#mailing-sample")
    before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    page.click("#send-mailing")
    page.wait_for_selector("text=Mailing queued: 2 messages.")
    assert "عمر الفاروق" in page.inner_text("#campaign-recipients")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == before + 2
    assert not page.js_errors
