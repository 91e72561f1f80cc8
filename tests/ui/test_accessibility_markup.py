"""Accessibility in the served HTML (the browser checks are tests/e2e/test_accessibility.py):
form errors are tied to their fields, messages sit in a live region, and the accessibility
statement is public, linked from every page and names where to report a barrier."""

from __future__ import annotations

import lxml.html


def test_each_field_error_is_tied_to_its_field(client, congress):
    page = lxml.html.fromstring(client.post("/met26/register", data={}).get_data(as_text=True))
    invalid = page.xpath("//*[contains(concat(' ', @class, ' '), ' is-invalid ')]")
    assert {field.get("id") for field in invalid} >= {"first_name", "email", "accept_terms"}
    for field in invalid:
        assert field.get("aria-invalid") == "true", field.get("id")
        described = (field.get("aria-describedby") or "").split()
        errors = [e for i in described for e in page.xpath("//*[@id=$i]", i=i)]
        messages = [e.text_content().strip() for e in errors if "invalid-feedback" in e.classes]
        assert messages and all(messages), f"{field.get('id')} has no error described"


def test_messages_are_announced_in_a_live_region(client, congress):
    page = lxml.html.fromstring(client.post("/met26/register", data={}).get_data(as_text=True))
    [region] = page.xpath("//*[@id='flash-messages']")
    assert region.get("aria-live") == "polite"
    [alert] = region.xpath(".//*[contains(@class, 'alert-danger')]")
    assert alert.get("role") == "alert"
    assert alert.text_content().strip().startswith("Error:")


def test_accessibility_statement_is_linked_and_says_how_to_report(client, congress):
    home = lxml.html.fromstring(client.get("/").get_data(as_text=True))
    assert home.xpath("//footer//a[@href='/accessibility']")
    response = client.get("/accessibility")
    assert response.status_code == 200
    text = lxml.html.fromstring(response.get_data(as_text=True)).text_content()
    assert "WCAG 2.1" in text and "EN\xa0301\xa0549" in text
    assert "Known limitations" in text and "axe-core" in text
    assert 'href="mailto:secretariat@example.org?subject=Accessibility"' in response.get_data(
        as_text=True
    )
