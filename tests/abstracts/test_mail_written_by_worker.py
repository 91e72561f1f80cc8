"""Submission emails are rows written with the submission; the worker writes their text
(the receipt's subject carries the number, taken last in the transaction)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select

from conference.abstracts import services
from conference.extensions import db
from conference.mail import OutboxMessage, OutboxStatus
from tests.conftest import deliver_outbox


def test_the_receipt_and_authorship_request_arrive_written_by_the_worker(
    make_abstract, author, smtp, client
):
    abstract = make_abstract(confirm_first=False)
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert {row.kind for row in rows} == {"abstracts/submitted", "abstracts/authorship_request"}
    assert all(row.write_job is not None and row.body_text == "" for row in rows)

    assert deliver_outbox()["sent"] == len(rows)
    [receipt] = smtp.to(author.email)
    assert receipt["Subject"] == f"Abstract {abstract.number} received: {abstract.title}"
    text = smtp.text_of(receipt)
    assert abstract.number in text and abstract.title in text
    assert "Questions: " in text  # emails/_footer
    # The co-author's request carries a working private link, never stored in the row.
    coauthor = abstract.authors[1]
    [request] = smtp.to(coauthor.email)
    link = re.search(r"https?://\S+/abstracts/authorship/\S+", smtp.text_of(request))[0]
    stored = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.kind == "abstracts/authorship_request")
    )
    assert stored.status == OutboxStatus.SENT and link not in stored.body_text
    assert client.get(urlsplit(link).path).status_code == 200


def test_an_author_removed_before_the_writing_gets_no_request(make_abstract, smtp):
    abstract = make_abstract(confirm_first=False)
    first, second = abstract.authors
    services.confirm_authorship(abstract, second.email)
    services.reject_authorship(abstract, first.email)  # no longer listed
    db.session.commit()
    deliver_outbox()
    assert smtp.to(first.email) == []
    request = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.kind == "abstracts/authorship_request",
            OutboxMessage.to_address == first.email,
        )
    )
    assert request.status == OutboxStatus.FAILED and "no longer exists" in request.last_error
