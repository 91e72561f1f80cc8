"""Browser journey: sign up, confirm from the email, log in, edit the profile, log out."""

import re

from conference.mail import deliver_due


def deliver(server):
    with server.app.app_context():
        return deliver_due()


def test_sign_up_confirm_login_profile_logout(page, congress, smtp, live_server_factory):
    server = live_server_factory(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, BASE_URL="http://127.0.0.1"
    )
    base = server.url
    page.goto(base + "/")
    page.get_by_role("link", name="Sign up").first.click()

    page.get_by_label("Email").fill("Zoe.Oncologist@Example.org")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Repeat password").fill("short")
    page.get_by_label("Full name").fill("Zoe Oncologist")
    page.get_by_role("button", name="Create account").click()
    # The policy explains itself and what was typed is kept.
    assert page.get_by_text("at least 10 characters").first.is_visible()
    assert page.get_by_label("Full name").input_value() == "Zoe Oncologist"

    page.get_by_label("Password", exact=True).fill("Metastases-2027")
    page.get_by_label("Repeat password").fill("Metastases-2027")
    page.get_by_label("Country").select_option("FR")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your email").wait_for()

    assert deliver(server)["sent"] == 1
    [message] = smtp.to("zoe.oncologist@example.org")
    link = re.search(r"http://127\.0\.0\.1(/confirm/\S+)", smtp.text_of(message)).group(1)
    page.goto(base + link)
    # Opening the link confirms nothing (mail scanners open links); the button does.
    page.get_by_role("button", name="Confirm my email address").click()
    page.get_by_text("is confirmed").wait_for()

    page.get_by_label("Email").fill("zoe.oncologist@example.org")
    page.get_by_label("Password").fill("Metastases-2027")
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Welcome, Zoe Oncologist").wait_for()

    page.get_by_role("link", name="Zoe Oncologist").click()
    page.get_by_label("Title").fill("Dr")
    page.get_by_label("Affiliation / institution").fill("Institut Curie")
    page.get_by_role("button", name="Save profile").click()
    page.get_by_text("Profile saved.").wait_for()
    assert page.get_by_label("Affiliation / institution").input_value() == "Institut Curie"
    assert page.get_by_role("link", name="Dr Zoe Oncologist").is_visible()

    page.get_by_role("button", name="Log out").click()
    page.get_by_text("You are logged out.").wait_for()
    assert page.get_by_role("link", name="Log in", exact=True).is_visible()
    assert page.js_errors == []
