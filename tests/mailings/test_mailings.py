"""Bulk mailings: groups, placeholders per recipient, preview then confirm, sealed links."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.mailings import services
from conference.mailings.models import MailingCampaign
from conference.registration.models import RegistrationStatus
from conference.registration.tokens import manage_path
from tests.conftest import deliver_outbox


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def request_for(congress, group="attendees", **values):
    values.setdefault("subject", "{congress}: practical information")
    values.setdefault("body", "Dear {name}, your reference is {reference}.")
    return services.parse_mailing(congress, group=group, **values)


def emails(congress, group="attendees", **values) -> set[str]:
    return {
        r.email for r in services.get_recipients(congress, request_for(congress, group, **values))
    }


@pytest.fixture
def people(congress, make_registration, create_user, make_abstract, make_session):
    """Registrations in each state and category, reviewers, a presenting author, a chair."""
    confirmed = make_registration("Łucja", "Kowalska", email="lucja@example.org")
    student = make_registration(
        "Νίκος",
        "Παπαδόπουλος",
        email="nikos@example.org",
        category="student-trainee",
        status=RegistrationStatus.AWAITING_PAYMENT,
    )
    make_registration(
        "Wanda", "Waiting", email="wanda@example.org", status=RegistrationStatus.WAITLISTED
    )
    make_registration(
        "Carl", "Cancelled", email="carl@example.org", status=RegistrationStatus.CANCELLED
    )
    create_user("reviewer", email="rev@example.org", name="Rita Reviewer")
    create_user(email="plain@example.org")  # no role: in no group
    make_abstract(presenter_email="lucja@example.org", presenter_name="Łucja Kowalska")
    make_abstract(presenter_email="pat@example.org", presenter_name="Pat Presenter")
    make_abstract(presenter_email="rejected@example.org", outcome="rejected")
    make_session("Liver metastases", chairs=["Chen Chair <chair@example.org>"])
    db.session.commit()
    return confirmed, student


def test_groups_select_the_right_people(congress, people):
    assert emails(congress) == {"lucja@example.org", "nikos@example.org"}
    assert emails(congress, category="student-trainee") == {"nikos@example.org"}
    assert emails(congress, status="cancelled") == {"carl@example.org"}
    assert emails(congress, status="confirmed", category="oncologist") == {"lucja@example.org"}
    assert emails(congress, "waitlisted") == {"wanda@example.org"}
    assert emails(congress, "reviewers") == {"rev@example.org"}
    assert emails(congress, "presenting_authors") == {"lucja@example.org", "pat@example.org"}
    assert emails(congress, "chairs") == {"chair@example.org"}


def test_unknown_placeholders_and_bad_filters_are_field_errors(congress):
    with pytest.raises(ValidationFailed) as exc:
        services.parse_mailing(
            congress,
            group="everyone",
            subject="Hello {firstname} {manage_link}",
            body="Dear {name}, see {agenda}.",
        )
    fields = exc.value.fields
    assert set(fields) == {"group", "subject", "body"}
    assert "{firstname}" in " ".join(fields["subject"]) and "{agenda}" in fields["body"][0]
    with pytest.raises(ValidationFailed) as exc:
        request_for(congress, category="astronauts", status="dancing")
    assert set(exc.value.fields) == {"category", "status"}


def test_preview_queues_nothing_and_renders_one_sample(congress, people):
    before = outbox_count()
    preview = services.preview_mailing(congress, request_for(congress))
    db.session.commit()
    assert outbox_count() == before and db.session.query(MailingCampaign).count() == 0
    assert preview.count == 2
    subject, text = preview.sample
    first = preview.recipients[0]
    assert subject == f"{congress.name}: practical information"
    assert f"Dear {first.name}, your reference is {first.reference}." in text


def test_each_recipient_gets_their_own_values_and_a_sealed_manage_link(
    congress, people, smtp, client, auth, organizer
):
    confirmed, student = people
    mailing = request_for(
        congress,
        body="Dear {name}, your reference is {reference}. Manage it: {manage_link}",
    )
    preview = services.preview_mailing(congress, mailing)
    assert services.SAMPLE_LINK in preview.sample[1]
    result = services.send_mailing(congress, mailing, preview.token)
    db.session.commit()
    assert result.queued == 2
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "mailings/message")
    ).all()
    assert all(m.has_secrets and m.visible_text is None for m in messages)
    assert all("/met26/registration/manage/" not in m.body_text for m in messages)
    # Organizers see the subject, never the private link.
    auth.login(organizer)
    page = client.get(f"/met26/manage/outbox/{messages[0].id}").get_data(as_text=True)
    assert "/met26/registration/manage/" not in page
    deliver_outbox()
    [lucja] = smtp.to("lucja@example.org")
    text = smtp.text_of(lucja)
    assert "Dear Łucja Kowalska, your reference is " + confirmed.reference in text
    assert manage_path(confirmed) in text and manage_path(student) not in text
    [nikos] = smtp.to("nikos@example.org")
    assert "Νίκος Παπαδόπουλος" in smtp.text_of(nikos) and manage_path(student) in smtp.text_of(
        nikos
    )


def test_a_name_holding_a_placeholder_is_not_filled_again(congress, make_registration):
    make_registration("{manage_link}", "{reference}", email="odd@example.org")
    mailing = request_for(congress, body="Hello {name}!")
    [(_, parts)] = [
        services.render_for(congress, mailing, r)
        for r in services.get_recipients(congress, mailing)
    ]
    assert parts == ["Hello {manage_link} {reference}!"]


def test_stale_preview_is_refused_and_double_submit_sends_once(congress, people, make_registration):
    mailing = request_for(congress)
    preview = services.preview_mailing(congress, mailing)
    make_registration("Late", "Comer", email="late@example.org")
    before = outbox_count()
    with pytest.raises(Conflict) as exc:
        services.send_mailing(congress, mailing, preview.token)
    assert exc.value.code == "mailing_changed"
    db.session.rollback()
    assert outbox_count() == before
    fresh = services.preview_mailing(congress, mailing)
    first = services.send_mailing(congress, mailing, fresh.token)
    db.session.commit()
    again = services.send_mailing(congress, mailing, fresh.token)
    db.session.commit()
    assert first.queued == 3 and again.already_sent and again.queued == 0
    assert outbox_count() == before + 3
    assert db.session.query(MailingCampaign).count() == 1


def test_web_preview_confirm_and_campaign_page(client, auth, organizer, congress, people):
    auth.login(organizer)
    form = {
        "group": "waitlisted",
        "category": "",
        "status": "",
        "subject": "News",
        "body": "Dear {name},\nstill waiting.",
    }
    before = outbox_count()
    preview = client.post("/met26/manage/mailings/new", data=form)
    page = preview.get_data(as_text=True)
    assert (
        preview.status_code == 200 and "wanda@example.org" in page and "Dear Wanda Waiting" in page
    )
    assert outbox_count() == before
    token = page.split('name="preview_token" value="')[1].split('"')[0]
    sent = client.post("/met26/manage/mailings/send", data=form | {"preview_token": token})
    assert sent.status_code == 302 and outbox_count() == before + 1
    again = client.post("/met26/manage/mailings/send", data=form | {"preview_token": token})
    assert again.status_code == 302 and outbox_count() == before + 1
    campaign = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "wanda@example.org" in campaign and "queued" in campaign
    assert "News" in client.get("/met26/manage/mailings").get_data(as_text=True)


def test_web_form_keeps_input_and_names_the_bad_placeholder(client, auth, organizer, congress):
    auth.login(organizer)
    response = client.post(
        "/met26/manage/mailings/new",
        data={"group": "reviewers", "subject": "Hi", "body": "Dear {nom}, thanks."},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Unknown placeholder: {nom}" in page
    assert "Dear {nom}, thanks." in page


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/met26/manage/mailings"),
        ("GET", "/met26/manage/mailings/new"),
        ("POST", "/met26/manage/mailings/new"),
        ("POST", "/met26/manage/mailings/send"),
    ],
)
def test_only_organizers_use_mailing_pages(client, auth, create_user, congress, method, path):
    auth.login(create_user("reviewer"))
    assert client.open(path, method=method, data={}).status_code == 403


def test_api_dry_run_send_and_list(client, congress, people, organizer, create_user, api_token):
    headers = api_token(organizer)
    payload = {"group": "chairs", "subject": "Chairs' briefing", "body": "Dear {name}, welcome."}
    before = outbox_count()
    dry = client.post(
        "/api/v1/congresses/met26/mailings", json=payload | {"dry_run": True}, headers=headers
    )
    assert dry.status_code == 200 and outbox_count() == before
    preview = dry.get_json()["preview"]
    assert preview["recipient_count"] == 1 and "Dear Chen Chair, welcome." in preview["sample_text"]
    missing = client.post("/api/v1/congresses/met26/mailings", json=payload, headers=headers)
    assert missing.status_code == 422 and "preview_token" in missing.get_json()["error"]["fields"]
    stale = client.post(
        "/api/v1/congresses/met26/mailings",
        json=payload | {"preview_token": "ab." + "0" * 64},
        headers=headers,
    )
    assert stale.status_code == 409 and stale.get_json()["error"]["preview"]["recipient_count"] == 1
    sent = client.post(
        "/api/v1/congresses/met26/mailings",
        json=payload | {"preview_token": preview["preview_token"]},
        headers=headers,
    )
    assert sent.status_code == 201 and sent.get_json()["queued"] == 1
    assert outbox_count() == before + 1
    listing = client.get("/api/v1/congresses/met26/mailings", headers=headers).get_json()[
        "mailings"
    ]
    assert listing[0]["delivery"]["queued"] == 1 and listing[0]["group"] == "chairs"
    detail = client.get(
        f"/api/v1/congresses/met26/mailings/{listing[0]['id']}", headers=headers
    ).get_json()
    assert detail["recipients"] == [
        {"name": "Chen Chair", "email": "chair@example.org", "status": "queued", "sent_at": None}
    ]
    bad = client.post(
        "/api/v1/congresses/met26/mailings", json=payload | {"body": "{oops}"}, headers=headers
    )
    assert bad.status_code == 422 and "body" in bad.get_json()["error"]["fields"]
    reviewer = api_token(create_user("reviewer"))
    assert (
        client.post("/api/v1/congresses/met26/mailings", json=payload, headers=reviewer).status_code
        == 403
    )
    assert client.get("/api/v1/congresses/met26/mailings", headers=reviewer).status_code == 403
