"""The demo congress has fees for every category and period and registrations in every status."""

from __future__ import annotations

from sqlalchemy import select

from conference.demo import load_demo
from conference.extensions import db
from conference.registration.models import FeePeriod, Registration, RegistrationStatus
from conference.registration.queries import get_categories


def test_demo_has_every_fee_and_every_status(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    result = load_demo()
    db.session.commit()
    for category in get_categories(result.congress):
        assert all(category.fee_for(period) is not None for period in FeePeriod), category
    statuses = set(db.session.scalars(select(Registration.status)))
    assert statuses == set(RegistrationStatus)
    assert db.session.scalar(select(Registration.id).where(Registration.checked_in_at.is_not(None)))
