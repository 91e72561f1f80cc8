"""Vouchers in the money domain: batches, unique unambiguous codes, the organizer page and API."""

from __future__ import annotations

import csv
import io
import threading

import pytest
from flask import g
from sqlalchemy import select

from conference.extensions import db
from conference.money import vouchers
from conference.money.models import Voucher
from conference.registration.queries import get_category_by_slug


def test_a_batch_has_count_unique_unambiguous_codes_with_its_prefix_and_label(congress):
    created = vouchers.create_vouchers(
        congress, kind="free_place", count=40, label="Invited faculty", prefix="fac"
    )
    db.session.commit()
    codes = [v.code for v in created]
    assert len(codes) == 40 and len(set(codes)) == 40
    for code in codes:
        prefix, body = code.split("-")
        assert prefix == "FAC" and len(body) >= 8
        assert set(body) <= set(vouchers.ALPHABET)
        assert not set(body) & set("01OIL")
    assert {v.label for v in created} == {"Invited faculty"}
    more = vouchers.create_vouchers(congress, kind="percent", percent="20", count=20)
    assert not {v.code for v in more} & set(codes)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "percent", "percent": "0"}, "percent"),
        ({"kind": "percent", "percent": "120"}, "percent"),
        ({"kind": "percent", "percent": "abc"}, "percent"),
        ({"kind": "fixed", "amount": "-5"}, "amount"),
        ({"kind": "fixed"}, "amount"),
        ({"kind": "gift"}, "kind"),
        ({"kind": "free_place", "count": 0}, "count"),
        ({"kind": "free_place", "count": 5000}, "count"),
        ({"kind": "free_place", "max_uses": 0}, "max_uses"),
        ({"kind": "free_place", "prefix": "no spaces!"}, "prefix"),
    ],
)
def test_bad_voucher_settings_are_field_errors(congress, data, field):
    from conference.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        vouchers.create_vouchers(congress, **data)
    assert field in caught.value.fields


def test_the_vouchers_page_is_for_organizers(client, auth, congress, create_user):
    assert client.get("/met26/manage/vouchers").status_code == 302
    assert client.post("/met26/manage/vouchers", data={"kind": "free_place"}).status_code == 302
    auth.login(create_user())
    assert client.get("/met26/manage/vouchers").status_code == 403
    assert client.get("/met26/manage/vouchers.csv").status_code == 403
    assert client.post("/met26/manage/vouchers", data={"kind": "free_place"}).status_code == 403
    assert db.session.scalar(select(Voucher.id)) is None
    g.pop("_login_user", None)
    auth.login(create_user("organizer"))
    assert client.get("/met26/manage/vouchers").status_code == 200


def test_organizer_creates_a_batch_lists_it_and_exports_csv(client, auth, organizer, congress):
    auth.login(organizer)
    student = get_category_by_slug(congress, "student-trainee")
    response = client.post(
        "/met26/manage/vouchers",
        data={
            "count": "20",
            "kind": "percent",
            "percent": "25",
            "categories": [str(student.id)],
            "max_uses": "1",
            "label": "=Sponsor: Acme",
            "prefix": "ACME",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    vouchers.create_vouchers(congress, kind="free_place", count=3, label="Invited faculty")
    db.session.commit()
    page = client.get("/met26/manage/vouchers?label==Sponsor: Acme").get_data(as_text=True)
    assert page.count("<code>ACME-") == 20 and "Student" in page
    assert "<code>FAC" not in page
    export = client.get("/met26/manage/vouchers.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(export)))
    assert len(rows) == 23
    acme = [row for row in rows if row["code"].startswith("ACME-")]
    # The label starts with "=": a spreadsheet must read it as text.
    assert {row["label"] for row in acme} == {"'=Sponsor: Acme"}
    assert {row["value"] for row in acme} == {"25.00"}


def test_a_bad_voucher_form_keeps_the_input_and_names_the_field(client, auth, organizer, congress):
    auth.login(organizer)
    response = client.post(
        "/met26/manage/vouchers",
        data={"count": "3", "kind": "percent", "percent": "150", "max_uses": "1", "label": "X"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "percentage above 0" in page and 'value="150"' in page
    assert db.session.scalar(select(Voucher.id)) is None


def test_api_creates_and_lists_vouchers_for_organizers_only(
    client, congress, api_token, organizer, create_user
):
    body = {
        "kind": "fixed",
        "amount": "100.00",
        "count": 5,
        "categories": ["oncologist"],
        "label": "Sponsor: Medix",
        "prefix": "MDX",
        "max_uses": 2,
        "valid_until": "2030-01-01T00:00:00",
    }
    assert client.post("/api/v1/congresses/met26/vouchers", json=body).status_code == 401
    user = api_token(create_user())
    assert (
        client.post("/api/v1/congresses/met26/vouchers", json=body, headers=user).status_code == 403
    )
    assert client.get("/api/v1/congresses/met26/vouchers", headers=user).status_code == 403
    headers = api_token(organizer)
    response = client.post("/api/v1/congresses/met26/vouchers", json=body, headers=headers)
    assert response.status_code == 201, response.json
    created = response.json["vouchers"]
    assert len(created) == 5 and created[0]["amount"] == "100.00"
    assert created[0]["categories"] == ["oncologist"] and created[0]["max_uses"] == 2
    listed = client.get(
        "/api/v1/congresses/met26/vouchers?label=Sponsor: Medix", headers=headers
    ).json
    assert listed["total"] == 5
    bad = client.post(
        "/api/v1/congresses/met26/vouchers",
        json={**body, "categories": ["astronaut"]},
        headers=headers,
    )
    assert bad.status_code == 422 and "categories" in bad.json["error"]["fields"]
    bad = client.post(
        "/api/v1/congresses/met26/vouchers", json={"kind": "percent"}, headers=headers
    )
    assert bad.status_code == 422 and "percent" in bad.json["error"]["fields"]
    csv_text = client.get("/api/v1/congresses/met26/vouchers?format=csv", headers=headers).get_data(
        as_text=True
    )
    assert csv_text.count("MDX-") == 5


def test_creating_vouchers_needs_the_csrf_token(app_config, congress, organizer):
    from conference import create_app
    from tests.conftest import AuthActions

    config = type("CSRFConfig", (app_config,), {"WTF_CSRF_ENABLED": True})
    csrf_client = create_app(config).test_client()
    AuthActions(csrf_client).login(organizer)
    response = csrf_client.post("/met26/manage/vouchers", data={"kind": "free_place", "count": "1"})
    assert response.status_code == 400
    assert db.session.scalar(select(Voucher.id)) is None


def test_demo_has_a_batch_of_free_places_for_invited_faculty(app, tmp_path, demo_copy):
    from conference.money.queries import get_voucher_labels

    app.config["UPLOAD_DIR"] = str(tmp_path)
    result = demo_copy()
    assert ("Invited faculty", 40) in get_voucher_labels(result.congress)
    kinds = set(db.session.scalars(select(Voucher.kind).where(Voucher.label == "Invited faculty")))
    assert kinds == {"free_place"}


@pytest.mark.postgres
def test_concurrent_redemptions_of_a_two_use_code_take_two_uses_on_postgresql(
    pg_engine_url, app, congress
):
    """The money service on its own (no registration lock around it): 8 sessions redeem at
    once; two get the discount, the others a `voucher` field error (never a database error)."""
    from decimal import Decimal

    from conference.errors import ValidationFailed
    from conference.program.models import Congress

    code = vouchers.create_vouchers(congress, kind="percent", percent="10", max_uses=2)[0].code
    db.session.commit()
    congress_id, workers = congress.id, 8
    barrier = threading.Barrier(workers)
    outcomes: list = []

    def redeem(index: int) -> None:
        with app.app_context():
            try:
                target = db.session.get(Congress, congress_id)
                # Every session has seen the voucher unused before any redeems.
                vouchers.quote_voucher(target, code, category_id=1, fee=Decimal("100.00"))
                barrier.wait(timeout=30)
                vouchers.redeem_voucher(
                    target,
                    code,
                    category_id=1,
                    fee=Decimal("100.00"),
                    source="test",
                    source_key=f"K{index}",
                )
                db.session.commit()
                outcomes.append("redeemed")
            except ValidationFailed as exc:
                outcomes.append("refused" if "voucher" in exc.fields else repr(exc))
            except BaseException as exc:  # a database error would be a 500
                outcomes.append(repr(exc))
            finally:
                db.session.rollback()
                db.session.remove()

    threads = [threading.Thread(target=redeem, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["redeemed"] * 2 + ["refused"] * (workers - 2), outcomes
    db.session.expire_all()
    voucher = db.session.scalar(select(Voucher).where(Voucher.code == code))
    assert voucher.uses == 2 and len(voucher.redemptions) == 2
