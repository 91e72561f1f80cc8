"""Every email carries the shared footer: the congress name and links to its policies."""

from __future__ import annotations

from pathlib import Path

from conference.congresses import services as policy_services
from conference.extensions import db
from conference.mail import queue_mail
from tests.conftest import deliver_outbox

EMAILS = Path(__file__).resolve().parents[2] / "templates" / "emails"


def _footer_of(text: str) -> str:
    """What follows the signature separator ("-- " on its own line)."""
    return text.replace("\r\n", "\n").split("\n-- \n", 1)[1]


def test_every_email_template_includes_the_footer():
    """Walks templates/emails/**: a template added later cannot forget the footer.

    Partials (names starting with "_") are included by the templates and are exempt.
    """
    templates = [
        path
        for path in EMAILS.rglob("*")
        if path.is_file() and path.suffix in {".txt", ".html"} and not path.name.startswith("_")
    ]
    assert len(templates) >= 20  # the walk found the folder
    missing = [
        str(path.relative_to(EMAILS))
        for path in templates
        if f'{{% include "emails/_footer{path.suffix}" %}}' not in path.read_text()
    ]
    assert missing == []
    assert (EMAILS / "_footer.txt").is_file() and (EMAILS / "_footer.html").is_file()


def test_footer_links_are_absolute_when_the_worker_sends(app, smtp, congress, create_user):
    """Rendered without a request (as the worker does): links come from BASE_URL."""
    app.config["BASE_URL"] = "https://congress.example.org/"
    policy_services.save_policies(
        congress, {"terms": "Terms.", "cancellation": "Refunds.", "privacy": "Data."}
    )
    user = create_user()
    queue_mail(
        user.email, "Hello", "accounts/reset_password", link="https://x.example", hours=1, user=user
    )
    db.session.commit()
    deliver_outbox()
    [message] = smtp.to(user.email)
    footer = _footer_of(smtp.text_of(message))
    assert congress.name in footer
    assert "Terms and conditions: https://congress.example.org/met26/terms" in footer
    assert "Cancellation policy: https://congress.example.org/met26/cancellation" in footer
    assert "Privacy policy: https://congress.example.org/met26/privacy" in footer
    html = next(
        part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() == "text/html"
    )
    assert 'href="https://congress.example.org/met26/privacy"' in html


def test_footer_links_only_published_policies(app, smtp, congress, create_user):
    policy_services.save_policies(congress, {"privacy": "Data."})
    user = create_user()
    queue_mail(
        user.email, "Hello", "accounts/reset_password", link="https://x.example", hours=1, user=user
    )
    db.session.commit()
    deliver_outbox()
    footer = _footer_of(smtp.text_of(smtp.to(user.email)[0]))
    assert "/met26/privacy" in footer and "/met26/terms" not in footer
    assert congress.contact_email in footer
