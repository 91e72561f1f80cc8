"""Account rules: sign-up, confirmation, login, password reset, profile, roles, tokens."""

from datetime import timedelta

import pytest
from freezegun import freeze_time

from conference.accounts import services
from conference.accounts.models import Role, User
from conference.errors import Conflict, NotAllowed, ValidationFailed
from conference.extensions import db
from conference.mail import OutboxMessage, delivery_bodies
from conference.models import utcnow
from tests.factories import PASSWORD


def outbox(kind=None):
    query = db.select(OutboxMessage)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def link_from(message: OutboxMessage) -> str:
    return next(word for word in delivery_bodies(message)[0].split() if word.startswith("http"))


def test_sign_up_stores_lowercase_email_and_argon2_hash(app, congress):
    user = services.sign_up(email="  Ana.Author@Example.ORG ", password=PASSWORD, name="Ana")
    db.session.commit()
    assert user.email == "ana.author@example.org"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert not user.is_confirmed


def test_sign_up_queues_one_confirmation_in_the_same_transaction(app, congress):
    services.sign_up(email="a@example.org", password=PASSWORD, name="A")
    db.session.rollback()
    assert outbox() == []
    services.sign_up(email="a@example.org", password=PASSWORD, name="A")
    db.session.commit()
    [message] = outbox("accounts/confirm")
    assert message.to_address == "a@example.org"
    assert "/confirm/" in link_from(message)


def test_email_is_unique_case_insensitively(app, congress, create_user):
    create_user(email="dup@example.org")
    with pytest.raises(Conflict) as exc:
        services.sign_up(email="DUP@Example.org", password=PASSWORD, name="Other")
    assert "email" in exc.value.fields


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short1!", "at least 10 characters"),
        ("onlyletterslong", "one letter and one digit"),
        ("1234567890", "one letter and one digit"),
        ("password123", "too common"),
    ],
)
def test_password_policy_explains_the_problem(app, password, fragment):
    with pytest.raises(ValidationFailed) as exc:
        services.sign_up(email="p@example.org", password=password, name="P")
    assert any(fragment in message for message in exc.value.fields["password"])


def test_password_may_not_be_the_email(app):
    problems = services.password_problems("me1@example.org", "ME1@example.org")
    assert "Password must not be your email address." in problems


def test_sign_up_reports_every_field_at_once(app, congress):
    with pytest.raises(ValidationFailed) as exc:
        services.sign_up(email="not-an-email", password="x", name=" ", country="XX")
    assert set(exc.value.fields) == {"email", "password", "name", "country"}


def test_confirmation_link_confirms_and_unconfirmed_login_is_refused(app, congress):
    user = services.sign_up(email="c@example.org", password=PASSWORD, name="C")
    db.session.commit()
    with pytest.raises(NotAllowed) as exc:
        services.authenticate("c@example.org", PASSWORD)
    assert exc.value.code == "unconfirmed"
    token = link_from(outbox("accounts/confirm")[0]).rsplit("/", 1)[1]
    assert services.confirm_email(token) is user
    db.session.commit()
    assert services.authenticate("C@EXAMPLE.org", PASSWORD) is user


def test_confirmation_link_expires(app, congress):
    services.sign_up(email="late@example.org", password=PASSWORD, name="Late")
    db.session.commit()
    token = link_from(outbox("accounts/confirm")[0]).rsplit("/", 1)[1]
    later = utcnow() + timedelta(seconds=app.config["EMAIL_TOKEN_MAX_AGE"] + 60)
    with freeze_time(later), pytest.raises(ValidationFailed, match="expired"):
        services.confirm_email(token)


def test_tampered_confirmation_link_is_refused(app, congress):
    with pytest.raises(ValidationFailed, match="not valid"):
        services.confirm_email("abc.def.ghi")


def test_wrong_password_and_unknown_email_give_the_same_answer(app, create_user):
    create_user(email="known@example.org")
    with pytest.raises(NotAllowed) as wrong:
        services.authenticate("known@example.org", "Wrong-password-1")
    with pytest.raises(NotAllowed) as unknown:
        services.authenticate("nobody@example.org", "Wrong-password-1")
    assert wrong.value.message == unknown.value.message


def test_disabled_account_cannot_log_in(app, create_user):
    user = create_user(email="off@example.org")
    user.is_active_account = False
    with pytest.raises(NotAllowed, match="disabled"):
        services.authenticate("off@example.org", PASSWORD)


def test_password_reset_link_works_once(app, create_user):
    user = create_user(email="r@example.org")
    services.request_password_reset("R@example.org")
    db.session.commit()
    token = link_from(outbox("accounts/reset_password")[0]).rsplit("/", 1)[1]
    services.reset_password(token, "Brand-new-pass-9")
    db.session.commit()
    assert services.authenticate("r@example.org", "Brand-new-pass-9") is user
    with pytest.raises(ValidationFailed, match="already been used"):
        services.reset_password(token, "Another-pass-10")


def test_password_reset_for_unknown_email_sends_nothing(app):
    services.request_password_reset("ghost@example.org")
    db.session.commit()
    assert outbox() == []


def test_changing_the_password_ends_other_sessions(app, create_user):
    user = create_user()
    old_session_id = user.get_id()
    services.set_password(user, "Fresh-password-77")
    assert user.get_id() != old_session_id


def test_profile_update_validates_country_and_name(app, congress, create_user):
    user = create_user()
    with pytest.raises(ValidationFailed) as exc:
        services.update_profile(user, country="ZZ", name="")
    assert set(exc.value.fields) == {"country", "name"}
    services.update_profile(user, title="Prof", name="New Name", country="fr", affiliation="IGR")
    assert (user.title, user.name, user.country, user.affiliation) == (
        "Prof",
        "New Name",
        "FR",
        "IGR",
    )


def test_only_organizers_change_roles(app, congress, create_user):
    attendee = create_user()
    target = create_user()
    with pytest.raises(NotAllowed):
        services.set_roles(target, {Role.REVIEWER}, actor=attendee)


def test_organizer_sets_reviewer_with_tracks(app, congress, organizer, create_user):
    target = create_user()
    track_ids = [track.id for track in congress.tracks[:2]]
    services.set_roles(target, {"reviewer"}, actor=organizer, track_ids=track_ids)
    db.session.commit()
    assert target.is_reviewer
    assert [t.id for t in target.expertise] == track_ids
    services.set_roles(target, set(), actor=organizer, track_ids=[])
    assert not target.is_reviewer


def test_organizer_cannot_make_admins_or_demote_themselves(app, congress, organizer, create_user):
    target = create_user()
    with pytest.raises(NotAllowed, match="administrators"):
        services.set_roles(target, {Role.ADMIN}, actor=organizer)
    with pytest.raises(ValidationFailed, match="own organizer role"):
        services.set_roles(organizer, set(), actor=organizer)


def test_admin_holds_every_role(app, create_user):
    admin = create_user("admin")
    assert admin.is_organizer and admin.has_role(Role.REVIEWER)


def test_api_token_is_stored_hashed_and_expires(app, create_user):
    user = create_user()
    raw, token = services.issue_api_token(user, days=1)
    db.session.commit()
    assert raw not in token.token_hash
    assert services.user_for_api_token(raw) is user
    assert services.user_for_api_token(raw, now=utcnow() + timedelta(days=2)) is None
    assert services.user_for_api_token("ct_wrong") is None


def test_user_count(app, create_user):
    create_user()
    create_user()
    assert services.count_users() == db.session.query(User).count() == 2


def test_concurrent_duplicate_sign_up_is_a_conflict_not_a_crash(app, congress, monkeypatch):
    """The unique index decides when two sign-ups race past the lookup."""
    services.sign_up(email="race@example.org", password=PASSWORD, name="First")
    db.session.commit()
    monkeypatch.setattr(services, "get_user_by_email", lambda email: None)
    with pytest.raises(Conflict):
        services.sign_up(email="race@example.org", password=PASSWORD, name="Second")
    assert db.session.query(User).count() == 1
