"""Confirming an email takes a deliberate POST, and only a confirmed email links abstracts."""

from conference.abstracts import services as abstracts
from conference.abstracts.queries import own_abstracts_query
from conference.accounts import services
from conference.accounts.models import User
from conference.extensions import db
from conference.mail import OutboxMessage, delivery_bodies
from tests.abstracts.conftest import valid_payload

SQUATTER_PASSWORD = "Squatter-pass-99"


def _confirmation_path(email: str) -> str:
    message = db.session.scalar(
        db.select(OutboxMessage).where(
            OutboxMessage.to_address == email, OutboxMessage.kind == "accounts/confirm"
        )
    )
    link = next(word for word in delivery_bodies(message)[0].split() if word.startswith("http"))
    return link.split(":5000", 1)[1]


def test_a_mail_scanner_opening_the_confirmation_link_confirms_nothing(client, congress):
    email = "bruno.coautore@ieo.example"
    response = client.post(
        "/signup",
        data={
            "email": email,
            "password": SQUATTER_PASSWORD,
            "password_again": SQUATTER_PASSWORD,
            "name": "Not Bruno",
            "category_id": "0",
        },
    )
    assert response.status_code == 200
    path = _confirmation_path(email)

    scanner = client.get(path)  # what a mail scanner (or a link preview) does
    assert scanner.status_code == 200
    user = db.session.scalar(db.select(User).where(User.email == email))
    assert not user.is_confirmed
    login = client.post("/login", data={"email": email, "password": SQUATTER_PASSWORD})
    assert "confirm your email address first" in login.get_data(as_text=True)

    # The person who owns the mailbox presses the button.
    assert client.post(path).status_code == 302
    db.session.refresh(user)
    assert user.is_confirmed


def test_an_unconfirmed_account_with_a_coauthors_email_sees_none_of_their_abstracts(
    app, congress, create_user
):
    submitter = create_user(email="ana.author@example.org", name="Ana Author")
    payload = valid_payload()
    coauthor_email = payload["authors"][1]["email"]
    squatter = services.sign_up(email=coauthor_email, password=SQUATTER_PASSWORD, name="Squatter")
    abstract = abstracts.create_abstract(congress, submitter, payload)
    db.session.commit()

    listed = db.session.scalars(own_abstracts_query(congress, squatter)).all()
    assert abstract not in listed
    assert not abstract.can_view(squatter)
    assert all(author.user_id != squatter.id for author in abstract.authors)

    # Once the address is confirmed (by whoever reads that mailbox) and the authorship too
    # (through the link emailed to that same mailbox), the abstract is theirs to see.
    services.confirm_email(_confirmation_path(coauthor_email).rsplit("/", 1)[1])
    abstracts.confirm_authorship(abstract, coauthor_email)
    db.session.commit()
    assert abstract in db.session.scalars(own_abstracts_query(congress, squatter)).all()
    assert abstract.can_view(squatter)
