"""Reviewer expertise belongs to the abstracts domain; accounts stays the ground floor."""

import ast
from pathlib import Path

import pytest

import conference
from conference.abstracts import review
from conference.abstracts.queries import get_expertise
from conference.errors import ValidationFailed
from conference.extensions import db

ACCOUNTS = Path(conference.__file__).parent / "accounts"


@pytest.mark.parametrize("module", ["models.py", "services.py", "forms.py"])
def test_accounts_does_not_import_the_program_for_reviewer_expertise(module):
    tree = ast.parse((ACCOUNTS / module).read_text())
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not {
        name for name in imported if name.startswith(("conference.program", "conference.abstracts"))
    }
    assert "expertise" not in (ACCOUNTS / module).read_text()


def test_organizer_sets_a_reviewers_expertise(client, auth, organizer, create_user, congress):
    reviewer = create_user(
        "reviewer", name="Małgorzata Wiśniewska", affiliation="Narodowy Instytut Onkologii"
    )
    metastasis, diagnostics = congress.tracks[0], congress.tracks[1]
    auth.login(organizer)
    page = client.get(f"/met26/manage/reviewers/{reviewer.id}/expertise").get_data(as_text=True)
    assert "Małgorzata Wiśniewska" in page and metastasis.name in page
    response = client.post(
        f"/met26/manage/reviewers/{reviewer.id}/expertise",
        data={"tracks": [str(metastasis.id), str(diagnostics.id)]},
    )
    assert response.status_code == 302
    assert get_expertise(reviewer, congress) == [metastasis, diagnostics]
    review.set_track_reviewers(metastasis, [reviewer])  # the pool accepts them now


def test_reviewers_declare_their_own_expertise(client, auth, create_user, congress):
    reviewer = create_user(
        "reviewer", name="Олена Коваленко", affiliation="Національний інститут раку, Київ"
    )
    auth.login(reviewer)
    immunology = congress.tracks[2]
    response = client.post("/met26/review/expertise", data={"tracks": [str(immunology.id)]})
    assert response.status_code == 302
    assert get_expertise(reviewer) == [immunology]
    assert immunology.name in client.get("/met26/review/").get_data(as_text=True)
    attendee = create_user(name="Attendee Only")
    auth.login(attendee)
    assert client.get("/met26/review/expertise").status_code == 403
    assert client.get(f"/met26/manage/reviewers/{reviewer.id}/expertise").status_code == 403


def test_pool_still_needs_declared_expertise(create_user, congress):
    reviewer = create_user("reviewer", name="Kwame Mensah", tracks=[congress.tracks[1]])
    with pytest.raises(ValidationFailed, match="expertise"):
        review.set_track_reviewers(congress.tracks[0], [reviewer])


def test_tracks_of_another_congress_are_refused_and_kept(create_user, congress):
    from datetime import timedelta

    from conference.program.models import Congress, Track

    other = Congress(
        slug="brc27",
        name="Sister Meeting on Breast Cancer",
        short_name="BRC27",
        starts_on=congress.starts_on + timedelta(days=365),
        ends_on=congress.ends_on + timedelta(days=365),
    )
    other.tracks.append(Track(name="Breast surgery", slug="breast-surgery", position=0))
    db.session.add(other)
    db.session.flush()
    reviewer = create_user("reviewer", name="Sipho Dlamini", tracks=[congress.tracks[0]])
    with pytest.raises(ValidationFailed) as exc:
        review.set_reviewer_expertise(reviewer, congress, [other.tracks[0].id])
    assert "tracks" in exc.value.fields
    review.set_reviewer_expertise(reviewer, other, [other.tracks[0].id])
    assert get_expertise(reviewer) == [congress.tracks[0], other.tracks[0]]
    review.set_reviewer_expertise(reviewer, congress, [])
    assert get_expertise(reviewer) == [other.tracks[0]]
