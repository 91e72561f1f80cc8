"""CLI: users create/token, demo load."""

from sqlalchemy import func, select

from conference.abstracts.queries import get_expertise
from conference.accounts.models import User
from conference.extensions import db
from conference.program.models import Congress


def test_demo_load_into_empty_database_then_refuses(app, runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "organizer@example.org" in result.output
    congress = db.session.scalar(select(Congress).where(Congress.slug == "met26"))
    assert congress.is_abstract_submission_open()
    assert len(congress.tracks) >= 10
    users = db.session.scalar(select(func.count(User.id)))
    # This year's congress, last year's (archived) and a sister symposium.
    assert db.session.scalar(select(func.count(Congress.id))) == 3
    again = runner.invoke(args=["demo", "load"])
    assert "already has data" in again.output
    assert db.session.scalar(select(func.count(Congress.id))) == 3
    assert db.session.scalar(select(func.count(User.id))) == users


def test_users_create_with_role_and_tracks(app, runner, congress):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Rev@Example.org",
            "--name",
            "Rev Iewer",
            "--password",
            "Review-pass-123",
            "--role",
            "reviewer",
            "--track",
            "cancer-immunology",
            "--affiliation",
            "IGR",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "rev@example.org"))
    assert user.is_reviewer and user.is_confirmed
    assert [t.slug for t in get_expertise(user)] == ["cancer-immunology"]


def test_users_create_reports_problems(app, runner, congress):
    result = runner.invoke(
        args=["users", "create", "x@example.org", "--name", "X", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "y@example.org",
            "--name",
            "Y",
            "--password",
            "Long-enough-1",
            "--track",
            "no-such-track",
        ]
    )
    assert result.exit_code != 0 and "Unknown track" in result.output


def test_users_token_prints_a_working_token(app, runner, client, create_user):
    from conference.demo.core import make_congress

    make_congress()
    db.session.commit()
    create_user("organizer", email="org@example.org")
    result = runner.invoke(args=["users", "token", "org@example.org"])
    token = result.output.strip()
    response = client.patch(
        "/api/v1/congresses/met26/conference",
        json={"city": "Graz"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    assert runner.invoke(args=["users", "token", "none@example.org"]).exit_code != 0
