"""Gapless invoice numbers when many invoices are issued at the same moment (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from conference.extensions import db
from conference.money import services
from conference.money.models import DocumentKind, Invoice
from conference.program.models import Congress

from .conftest import registration_line

WORKERS = 8
ROLLED_BACK = {2, 5}


@pytest.mark.postgres
def test_gapless_numbering_under_concurrent_issue_on_postgresql(pg_engine_url, app, seller, person):
    congress_id = seller.id
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def issue(index: int) -> None:
        with app.app_context():
            try:
                congress = db.session.get(Congress, congress_id)
                barrier.wait(timeout=30)
                services.invoice_order(
                    congress,
                    person,
                    [registration_line()],
                    source="registration",
                    source_key=f"R-{index:05d}",
                )
                # Some issues fail after taking their number: theirs must be reused.
                if index in ROLLED_BACK:
                    db.session.rollback()
                else:
                    db.session.commit()
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issue, args=(index,)) for index in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    db.session.expire_all()
    numbers = db.session.scalars(
        select(Invoice.sequence)
        .where(Invoice.congress_id == congress_id, Invoice.kind == DocumentKind.INVOICE)
        .order_by(Invoice.sequence)
    ).all()
    assert numbers == list(range(1, WORKERS - len(ROLLED_BACK) + 1))
    # The next one continues the series without a gap.
    nxt = services.invoice_order(
        seller, person, [registration_line()], source="registration", source_key="R-LAST"
    )
    assert nxt.sequence == WORKERS - len(ROLLED_BACK) + 1
