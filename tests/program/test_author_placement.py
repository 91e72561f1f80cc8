"""Authors see where and when their abstract is presented, from the published version only."""

from __future__ import annotations

from conference.extensions import db
from conference.models import utcnow
from conference.program import sessions as services
from conference.program.published import get_abstract_placement


def test_author_page_shows_placement_after_publish_not_before(
    client, auth, congress, make_session, make_abstract, create_user, room_b, publish
):
    posters = make_session(
        "Poster session: liver", format="poster", room=room_b, start="13:30", end="15:00"
    )
    abstract = make_abstract(presenter_email="coauthor@example.org", presenter_name="Zoë Ko")
    services.add_presentation(posters, abstract=abstract, board_number="P-117")
    db.session.commit()
    submitter = db.session.get(type(abstract.submitter), abstract.submitter_id)
    coauthor = create_user(email="coauthor@example.org")
    abstract.authors[0].confirmed_at = utcnow()
    db.session.commit()

    auth.login(submitter)
    page = client.get(f"/met26/abstracts/{abstract.id}").get_data(as_text=True)
    assert 'id="placement"' not in page  # the draft is not shown to authors
    assert get_abstract_placement(congress, abstract.id) is None

    publish()
    for user in (submitter, coauthor):
        auth.login(user)
        page = client.get(f"/met26/abstracts/{abstract.id}").get_data(as_text=True)
        assert 'id="placement"' in page
        assert "Poster session: liver" in page and "Hall B" in page
        assert "13:30" in page and congress.timezone in page  # congress time, not UTC
        assert "P-117" in page

    # A later draft change is not shown until it is published.
    services.update_presentation(abstract_presentation(abstract), board_number="P-200")
    db.session.commit()
    auth.login(submitter)
    page = client.get(f"/met26/abstracts/{abstract.id}").get_data(as_text=True)
    assert "P-117" in page and "P-200" not in page


def abstract_presentation(abstract):
    from sqlalchemy import select

    from conference.program.schedule_models import Presentation

    return db.session.scalar(select(Presentation).where(Presentation.abstract_id == abstract.id))
