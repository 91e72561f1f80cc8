"""Conflicts of interest on real affiliations, checked at every step of review.

Reviewers and authors are named and affiliated as at a real oncology congress: departments
before the institution, cities after it, accents, articles and scripts other than Latin.
"""

import pytest

from conference.abstracts import review, services
from conference.abstracts.models import AffiliationChange, ReviewConflict
from conference.errors import Conflict
from conference.extensions import db
from conference.institutions import services as institutions
from conference.mail import OutboxMessage
from tests.abstracts.conftest import valid_payload

#: (reviewer's affiliation, an author's affiliation) naming the same institution.
SAME_INSTITUTION = [
    ("Medical Oncology, Dana-Farber Cancer Institute", "Dana-Farber Cancer Institute"),
    ("Oncology Unit, Hospital Clínic", "Hospital Clinic de Barcelona"),
    (
        "Breast Surgery, Karolinska University Hospital",
        "Karolinska University Hospital, Stockholm",
    ),
    ("MD Anderson Cancer Center", "The University of Texas MD Anderson Cancer Center"),
    ("Institut Gustave Roussy", "Gustave Roussy"),
]
#: Written with its en dash, as on the hospital's own pages.
CHARITE = "Charité \u2013 Universitätsmedizin Berlin"
SCORES = {"scores": {"novelty": 4, "methods": 3, "results": 4, "relevance": 5}, "overall": 4}


def authors_with(affiliation: str, name: str = "Núria Puig i Ferrer") -> list[dict]:
    authors = valid_payload()["authors"]
    authors[1].update(name=name, affiliation=affiliation, country="ES")
    return authors


def reviewer_ids(abstract):
    db.session.expire(abstract, ["reviews"])
    return {r.reviewer_id for r in abstract.reviews}


@pytest.mark.parametrize("reviewer_affiliation, author_affiliation", SAME_INSTITUTION)
def test_colleagues_at_the_same_institution_are_never_assigned(
    make_abstract, make_reviewer, track, congress, reviewer_affiliation, author_affiliation
):
    colleague = make_reviewer(affiliation=reviewer_affiliation, name="Sofia Lindqvist")
    others = [
        make_reviewer(affiliation="Department of Oncology, Rigshospitalet, Copenhagen"),
        make_reviewer(affiliation="Oncologia Medica, Istituto Nazionale dei Tumori, Milano"),
        make_reviewer(affiliation="Niederländisches Krebsinstitut, Amsterdam"),
    ]
    review.set_track_reviewers(track, [colleague, *others])
    abstract = make_abstract(authors=authors_with(author_affiliation))
    review.assign_reviewers(congress)
    assert reviewer_ids(abstract) == {o.id for o in others}
    with pytest.raises(Conflict) as exc:
        review.add_reviewer(abstract, colleague)
    assert exc.value.code == "conflict_of_interest"
    assert reviewer_affiliation in exc.value.message
    assert author_affiliation.split(",")[0] in exc.value.message


def test_the_same_department_at_different_institutions_is_no_conflict(make_abstract, make_reviewer):
    reviewer = make_reviewer(affiliation="Medical Oncology, Dana-Farber Cancer Institute")
    abstract = make_abstract(authors=authors_with("Medical Oncology, Gustave Roussy"))
    assert review.conflict_of_interest(abstract, reviewer) is None
    review.add_reviewer(abstract, reviewer)


def test_organizers_see_why_two_people_were_judged_to_conflict(
    client, auth, organizer, make_abstract, make_reviewer
):
    make_reviewer(affiliation="Breast Surgery, Karolinska University Hospital", name="Erik Berg")
    abstract = make_abstract(
        authors=authors_with("Karolinska University Hospital, Stockholm", name="Li Na 李娜")
    )
    auth.login(organizer)
    page = client.get(f"/met26/manage/abstracts/{abstract.id}").get_data(as_text=True)
    assert (
        "Erik Berg — conflict: the reviewer shares an institution with author Li Na 李娜: "
        "the reviewer&#39;s affiliation “Breast Surgery, Karolinska University Hospital” and "
        "the author&#39;s “Karolinska University Hospital, Stockholm” both name the same "
        "institution: “Karolinska University Hospital” and “Karolinska University Hospital” match"
    ) in page


# -- re-checked when authors change ---------------------------------------------------------------


def test_new_coauthor_from_a_reviewers_institution_removes_the_assignment(
    client, api_token, author, make_abstract, make_reviewer, track, congress, organizer
):
    colleague = make_reviewer(affiliation="Oncology Unit, Hospital Clínic", name="Joan Martí")
    others = [
        make_reviewer(affiliation="Gustave Roussy, Villejuif"),
        make_reviewer(affiliation=CHARITE),
        make_reviewer(affiliation="Karolinska Institutet, Stockholm"),
    ]
    review.set_track_reviewers(track, [colleague, *others[:2]])
    abstract = make_abstract()
    review.assign_reviewers(congress)
    assignment = next(r for r in abstract.reviews if r.reviewer_id == colleague.id)
    review.save_review(assignment, dict(SCORES, comment_to_committee="Strong methods."))
    review.set_track_reviewers(track, [colleague, *others])
    db.session.commit()

    payload = valid_payload()
    payload["authors"] = [
        *[
            {**a, "name": f.name, "email": f.email, "affiliation": f.affiliation}
            for a, f in zip(payload["authors"], abstract.authors, strict=True)
        ],
        {
            "name": "Aleix Prat",
            "email": "aprat@clinic.example",
            "affiliation": "Hospital Clinic de Barcelona",
            "country": "ES",
            "nothing_to_disclose": True,
        },
    ]
    response = client.patch(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}", json=payload, headers=api_token(author)
    )
    assert response.status_code == 200, response.json

    assert reviewer_ids(abstract) == {o.id for o in others}  # replaced from the pool
    (record,) = db.session.scalars(db.select(ReviewConflict)).all()
    assert record.reviewer_id == colleague.id and record.source == "authors_changed"
    assert record.draft["overall"] == 4
    assert record.draft["comment_to_committee"] == "Strong methods."
    assert "Aleix Prat" in record.reason and "Hospital Clínic" in record.reason
    (mail,) = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.kind == "abstracts/review_conflicts")
    ).all()
    assert mail.to_address == congress.contact_email
    assert "Joan Martí" in mail.body_text and "replacement reviewer was assigned" in mail.body_text


def test_editing_without_changing_authors_keeps_assignments(make_abstract, make_reviewer, author):
    abstract = make_abstract()
    reviewer = make_reviewer(affiliation="Peter MacCallum Cancer Centre, Melbourne")
    review.add_reviewer(abstract, reviewer)
    services.update_abstract(abstract, {"title": "Liquid biopsy before metastasectomy"})
    assert reviewer_ids(abstract) == {reviewer.id}
    assert db.session.scalar(db.select(db.func.count(ReviewConflict.id))) == 0


# -- re-checked when a reviewer's affiliation changes ---------------------------------------------


def test_reviewer_moving_to_an_authors_institution_loses_the_assignment_and_it_is_logged(
    client, auth, api_token, organizer, make_abstract, make_reviewer
):
    reviewer = make_reviewer(affiliation="Institut Curie, Paris", name="Élodie Martin")
    abstract = make_abstract(authors=authors_with("Gustave Roussy"))
    kept = make_abstract(authors=authors_with("Istituto Europeo di Oncologia, Milano"))
    review.add_reviewer(abstract, reviewer)
    review.add_reviewer(kept, reviewer)
    db.session.commit()

    auth.login(reviewer)
    response = client.post(
        "/profile",
        data={
            "name": reviewer.name,
            "title": "Dr",
            "affiliation": "Institut Gustave Roussy, Villejuif",
            "country": "FR",
            "category_id": 0,
        },
    )
    assert response.status_code == 302
    assert reviewer_ids(abstract) == set() and reviewer_ids(kept) == {reviewer.id}
    (change,) = db.session.scalars(db.select(AffiliationChange)).all()
    assert change.previous == "Institut Curie, Paris"
    assert change.current == "Institut Gustave Roussy, Villejuif"
    assert {(item["number"], item["removed"]) for item in change.affected} == {
        (abstract.number, True),
        (kept.number, False),
    }
    record = db.session.scalar(db.select(ReviewConflict))
    assert record.source == "affiliation_changed"

    body = client.get(
        "/api/v1/congresses/met26/review/conflicts", headers=api_token(organizer)
    ).json
    assert body["removed"][0]["reviewer"] == "Dr Élodie Martin"
    assert body["removed"][0]["source"] == "affiliation_changed"
    (logged,) = body["affiliation_changes"]
    assert logged["previous"] == "Institut Curie, Paris"
    assert {a["number"]: a["removed"] for a in logged["assignments"]} == {
        abstract.number: True,
        kept.number: False,
    }

    auth.login(organizer)
    page = client.get("/met26/manage/review").get_data(as_text=True)
    assert "Élodie Martin</strong> changed their affiliation" in page
    assert "“Institut Curie, Paris” to “Institut Gustave Roussy, Villejuif”" in page
    assert f"{abstract.number}</a>:\n    removed: the reviewer shares an institution" in page
    assert f"{kept.number}</a>:\n    kept (no conflict)" in page


def test_profile_saved_with_the_same_affiliation_logs_nothing(
    client, auth, make_abstract, make_reviewer
):
    reviewer = make_reviewer(affiliation="Rigshospitalet, Copenhagen", name="Søren Jørgensen")
    review.add_reviewer(make_abstract(), reviewer)
    db.session.commit()
    auth.login(reviewer)
    client.post(
        "/profile",
        data={
            "name": "Søren Jørgensen",
            "affiliation": "Rigshospitalet, Copenhagen",
            "country": "DK",
            "category_id": 0,
        },
    )
    assert db.session.scalar(db.select(db.func.count(AffiliationChange.id))) == 0


# -- re-checked when a review is saved ------------------------------------------------------------


def test_saving_a_review_refuses_a_reviewer_who_now_has_a_conflict(
    client, api_token, make_abstract, make_reviewer
):
    """The institutions list learns that two spellings are one hospital after assignment."""
    reviewer = make_reviewer(
        affiliation="Department of Thoracic Surgery, Peking University Cancer Hospital, Beijing",
        name="Wang Jie",
    )
    abstract = make_abstract(authors=authors_with("北京大学肿瘤医院", name="张伟"))
    review.add_reviewer(abstract, reviewer)
    db.session.commit()
    headers = api_token(reviewer)
    url = f"/api/v1/congresses/met26/abstracts/{abstract.id}/review"
    assert client.put(url, json=SCORES, headers=headers).status_code == 200

    institutions.create_institution(
        "Peking University Cancer Hospital", aliases=["北京大学肿瘤医院"], country="CN"
    )
    db.session.commit()
    response = client.put(url, json=dict(SCORES, overall=2), headers=headers)
    assert response.status_code == 409
    error = response.json["error"]
    assert error["code"] == "conflict_of_interest"
    assert "张伟" not in error["message"] and "北京" not in error["message"]  # still blinded
    db.session.expire_all()
    assert abstract.reviews[0].overall == 4


# -- declared by the reviewer ---------------------------------------------------------------------


def test_reviewer_declares_a_conflict_and_the_abstract_is_reassigned(
    client, auth, make_abstract, make_reviewer, track, congress
):
    pool = [
        make_reviewer(affiliation="Karolinska Institutet", name="Anna Svensson"),
        make_reviewer(affiliation=CHARITE, name="Jürgen Weiß"),
        make_reviewer(affiliation="Hospital Universitario 12 de Octubre, Madrid"),
        make_reviewer(affiliation="Peter MacCallum Cancer Centre, Melbourne"),
    ]
    review.set_track_reviewers(track, pool)
    abstract = make_abstract()
    review.assign_reviewers(congress)
    declaring = next(r for r in pool if r.id in reviewer_ids(abstract))
    db.session.commit()

    auth.login(declaring)
    page = client.get(f"/met26/review/{abstract.id}").get_data(as_text=True)
    assert 'id="declare-conflict"' in page
    response = client.post(
        f"/met26/review/{abstract.id}/conflict",
        data={"explanation": "I advised the sponsor of this trial."},
    )
    assert response.status_code == 302
    assert declaring.id not in reviewer_ids(abstract) and len(reviewer_ids(abstract)) == 3
    record = db.session.scalar(db.select(ReviewConflict))
    assert record.source == "declared" and "advised the sponsor" in record.reason

    review.assign_reviewers(congress)  # never given back
    assert declaring.id not in reviewer_ids(abstract)
    with pytest.raises(Conflict, match="declared a conflict"):
        review.add_reviewer(abstract, declaring)
    assert client.get(f"/met26/review/{abstract.id}").status_code == 403


def test_reviewer_declares_a_conflict_through_the_api(
    client, api_token, make_abstract, make_reviewer
):
    abstract = make_abstract()
    reviewer = make_reviewer(affiliation="Tata Memorial Centre, Mumbai", name="Priya Sharma")
    review.add_reviewer(abstract, reviewer)
    db.session.commit()
    headers = api_token(reviewer)
    response = client.post(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}/review/conflict",
        json={},
        headers=headers,
    )
    assert response.status_code == 200 and response.json["declared"] is True
    assert reviewer_ids(abstract) == set()
    again = client.post(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}/review/conflict",
        json={},
        headers=headers,
    )
    assert again.status_code == 403
    too_long = client.post(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}/review/conflict",
        json={"explanation": "x" * 1001},
        headers=headers,
    )
    assert too_long.status_code == 422 and "explanation" in too_long.json["error"]["fields"]


def test_new_affiliations_are_listed_as_institutions_when_saved(
    client, auth, api_token, author, make_abstract, create_user
):
    from conference.institutions.models import Institution

    person = create_user(name="Lucía Fernández", affiliation="")
    auth.login(person)
    client.post(
        "/profile",
        data={
            "name": "Lucía Fernández",
            "affiliation": "Servicio de Oncología Médica, Hospital Universitario La Paz, Madrid",
            "country": "ES",
            "category_id": 0,
        },
    )
    abstract = make_abstract(submit=False)
    payload = valid_payload()
    payload["authors"][1]["affiliation"] = "Breast Unit, Champalimaud Foundation, Lisbon"
    response = client.patch(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}", json=payload, headers=api_token(author)
    )
    assert response.status_code == 200
    names = set(db.session.scalars(db.select(Institution.name)))
    assert {"Hospital Universitario La Paz", "Champalimaud Foundation"} <= names
