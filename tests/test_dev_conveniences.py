"""`make run` conveniences: the mail sink prints one line per email; the favicon is served."""

from __future__ import annotations

import io
import smtplib
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from conference.mail_sink import OneLinePerMessage
from tests.conftest import free_port


def test_mail_sink_prints_one_line_per_message():
    out = io.StringIO()
    port = free_port()
    controller = Controller(OneLinePerMessage(out), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port) as client:
            for n in (1, 2):
                message = EmailMessage()
                message["From"] = "congress@example.org"
                message["To"] = f"ana{n}@example.org"
                message["Subject"] = f"Abstract A-000{n} received"
                message.set_content("Dear Ana,\n\n" + "A long body line.\n" * 50)
                client.send_message(message)
            reset = EmailMessage()
            reset["From"] = "congress@example.org"
            reset["To"] = "lost@example.org"
            reset["Subject"] = "Reset your password"
            reset.set_content("Open http://127.0.0.1:5000/password/reset/abc.def to reset it.")
            client.send_message(reset)
    finally:
        controller.stop()
    lines = out.getvalue().splitlines()
    assert lines == [
        "mail to ana1@example.org: Abstract A-0001 received",
        "mail to ana2@example.org: Abstract A-0002 received",
        "mail to lost@example.org: Reset your password "
        "<http://127.0.0.1:5000/password/reset/abc.def>",
    ]


def test_makefile_uses_the_one_line_sink():
    from config import BASE_DIR

    makefile = (BASE_DIR / "Makefile").read_text()
    assert "conference.mail_sink.OneLinePerMessage" in makefile
    assert "aiosmtpd.handlers.Debugging" not in makefile


def test_favicon_is_linked_and_served(client, congress):
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and b"<svg" in response.data
