"""The embargo rule: when an abstract's title and body become public."""

from datetime import UTC, datetime, timedelta

from conference.abstracts.embargo import release_times

T0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)


def times(congress, **overrides):
    values = {
        "kind": "regular",
        "decision_released_at": T0,
        "title_release_at": None,
        "body_release_at": None,
        "session_starts_at": None,
    }
    values.update(overrides)
    return release_times(congress, **values)


def test_nothing_is_public_before_the_decision_is_released(app, congress):
    congress.abstract_titles_release_at = T0
    assert times(congress, decision_released_at=None, title_release_at=T0) == (None, None)


def test_congress_defaults_apply(app, congress):
    congress.abstract_titles_release_at = T0
    congress.abstract_bodies_release_at = T0 + timedelta(days=30)
    assert times(congress) == (T0, T0 + timedelta(days=30))


def test_no_default_means_never(app, congress):
    congress.abstract_titles_release_at = None
    congress.abstract_bodies_release_at = None
    assert times(congress) == (None, None)


def test_an_abstract_can_have_its_own_release_times(app, congress):
    congress.abstract_titles_release_at = T0
    congress.abstract_bodies_release_at = T0 + timedelta(days=30)
    own = T0 + timedelta(days=40)
    assert times(congress, title_release_at=own, body_release_at=own) == (own, own)


def test_late_breaking_body_is_released_when_its_session_starts(app, congress):
    congress.abstract_titles_release_at = T0
    congress.abstract_bodies_release_at = T0 + timedelta(days=1)
    session = T0 + timedelta(days=60, hours=3)
    assert times(congress, kind="late_breaking", session_starts_at=session) == (T0, session)
    assert times(congress, kind="late_breaking") == (T0, None)  # not scheduled: not public


def test_body_is_never_public_before_the_title(app, congress):
    congress.abstract_titles_release_at = T0 + timedelta(days=10)
    congress.abstract_bodies_release_at = T0
    assert times(congress) == (T0 + timedelta(days=10), T0 + timedelta(days=10))


def test_titles_cannot_follow_bodies_in_settings(app, congress):
    import pytest

    from conference.errors import ValidationFailed
    from conference.program.services import update_congress

    with pytest.raises(ValidationFailed) as exc:
        update_congress(
            congress,
            abstract_titles_release_at=T0,
            abstract_bodies_release_at=T0 - timedelta(hours=1),
        )
    assert "abstract_bodies_release_at" in exc.value.fields
    update_congress(congress, abstract_titles_release_at=T0, abstract_bodies_release_at=T0)
