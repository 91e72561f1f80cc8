"""The demo congress has a complete seller profile and invoices an accountant would recognise."""

from __future__ import annotations

from sqlalchemy import select

from conference.extensions import db
from conference.money.models import DocumentKind, Invoice
from conference.money.queries import get_seller_profile


def test_demo_has_a_seller_profile_invoices_and_a_credit_note(app, tmp_path, demo_copy):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    result = demo_copy()
    assert get_seller_profile(result.congress).is_complete
    documents = db.session.scalars(select(Invoice).order_by(Invoice.id)).all()
    kinds = [document.kind for document in documents]
    assert kinds.count(DocumentKind.INVOICE) >= 3 and kinds.count(DocumentKind.CREDIT_NOTE) == 1
    assert any(document.is_reverse_charge for document in documents)
    assert any(not document.is_reverse_charge for document in documents)
