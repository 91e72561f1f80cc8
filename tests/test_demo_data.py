"""The demo congress makes medical sense, and its author account can still submit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from conference.abstracts import services
from conference.accounts.models import User
from conference.demo.program import TOPIC_TABLE
from conference.extensions import db
from conference.program.schedule_models import Presentation, ProgramSession
from tests.abstracts.conftest import valid_payload

ALL_TOPICS = {topic for topics in TOPIC_TABLE.values() for topic in topics}


@pytest.fixture
def demo(app, tmp_path, demo_copy):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    return demo_copy()


def mismatches(title: str) -> list[str]:
    """What in a title pairs a cancer with a method that does not belong to it."""
    lowered = title.lower()
    settings = [s for s in TOPIC_TABLE if s in lowered]
    if len(settings) > 1:
        return [f"two cancers: {settings}"]
    if not settings:
        return []
    own = {topic.lower() for topic in TOPIC_TABLE[settings[0]]}
    return [
        topic
        for topic in ALL_TOPICS
        if topic.lower() in lowered and not any(topic.lower() in mine for mine in own)
    ]


def test_the_checker_sees_a_nonsense_title():
    assert mismatches("Breast cancer: ALK inhibitors") == ["ALK inhibitors"]
    assert mismatches("Breast cancer: PARP inhibition in non-small-cell lung cancer")
    assert mismatches("Breast cancer: CDK4/6 inhibitors") == []


def test_session_and_talk_titles_pair_cancers_with_their_methods(demo):
    titles = list(db.session.scalars(select(ProgramSession.title)))
    titles += [t for t in db.session.scalars(select(Presentation.title)) if t]
    assert len(titles) > 50
    wrong = {title: found for title in titles if (found := mismatches(title))}
    assert wrong == {}


def test_demo_author_can_submit_a_new_abstract_as_first_author(demo):
    author = db.session.scalar(select(User).where(User.email == "author@example.org"))
    data = valid_payload()
    data["authors"][0].update(name=author.name, email=author.email)
    abstract = services.create_abstract(demo.congress, author, data)
    services.submit_abstract(abstract)  # refused when the first-author quota is used up
    assert abstract.number


def test_professional_categories_use_the_audience_names(demo):
    from conference.registration.queries import get_categories

    names = {c.name for c in get_categories(demo.congress)}
    assert {"Oncologist", "Pathologist", "Student / trainee", "Patient advocate", "Press"} <= names


def test_the_demo_terms_are_in_french_for_a_french_reader(client, demo):
    """The demo's policies are also given in French on the content page: the French-speaking
    attendee of the Done-when reads the terms in French, a German one falls back to English."""
    client.set_cookie("lang", "fr")
    french = client.get("/met26/terms").get_data(as_text=True)
    assert (
        "Conditions générales d&#39;inscription" in french
        or "Conditions générales d'inscription" in french
    )
    assert "non transférables" in french and "not transferable" not in french
    client.set_cookie("lang", "de")
    assert "not transferable" in client.get("/met26/terms").get_data(as_text=True)
