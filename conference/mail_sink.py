"""The local SMTP sink of `make run`: accepts every message and prints one line per message
(recipients and subject), so the demo's emails do not flood the terminal. Read them in full
in the outbox at /manage/outbox.

    python -m aiosmtpd -n -l 127.0.0.1:8025 -c conference.mail_sink.OneLinePerMessage
"""

from __future__ import annotations

import re
import sys
from email import message_from_bytes, policy

#: Links worth showing on the line: private links (confirmation, reset, manage) are not
#: readable in the outbox, and a developer needs them to go on.
PRIVATE_LINK = re.compile(
    r"https?://\S+/(?:confirm|password/reset|registration/manage|abstracts/authorship)/\S+"
)


def summary_line(mail_from: str, rcpt_tos: list[str], content: bytes) -> str:
    """'mail to a@example.org: Subject' for one message (and its private link, if any)."""
    message = message_from_bytes(content, policy=policy.default)
    subject = " ".join(str(message.get("Subject", "(no subject)")).split())
    line = f"mail to {', '.join(rcpt_tos)}: {subject}"
    body = message.get_body(preferencelist=("plain",))
    link = PRIVATE_LINK.search(body.get_content()) if body is not None else None
    return f"{line} <{link.group(0)}>" if link else line


class OneLinePerMessage:
    """aiosmtpd handler: print one line per message, keep nothing."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    async def handle_DATA(self, server, session, envelope):
        print(
            summary_line(
                envelope.mail_from, envelope.rcpt_tos, envelope.original_content or envelope.content
            ),
            file=self.stream,
            flush=True,
        )
        return "250 Message accepted for delivery"
