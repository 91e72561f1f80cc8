"""Releasing decisions: a preview that sends nothing, then a confirmation of exactly that."""

import re

import pytest

from conference.abstracts import decisions, review
from conference.abstracts.models import DecisionTemplate
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.mail import OutboxMessage


def decision_mails():
    return db.session.query(OutboxMessage).filter_by(kind="abstracts/decision").all()


def decide(abstract, outcome, organizer):
    decisions.decide_abstract(abstract, outcome, organizer, confirm_incomplete=True)


def hidden(page: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="([^"]*)"', page)


@pytest.fixture
def three_decisions(make_abstract, organizer, congress):
    """One decision released then changed (a correction), two never released."""
    changed = make_abstract()
    decide(changed, "poster", organizer)
    decisions.release_decisions(congress)
    decide(changed, "oral", organizer)
    oral = make_abstract(track="cancer-immunology")
    decide(oral, "oral", organizer)
    rejected = make_abstract()
    decide(rejected, "rejected", organizer)
    db.session.commit()
    return changed, oral, rejected


def test_preview_then_confirm_for_release_nothing_is_queued_by_the_preview(
    client, auth, organizer, congress, three_decisions
):
    changed, oral, rejected = three_decisions
    before = len(decision_mails())
    auth.login(organizer)
    response = client.get("/met26/manage/decisions/release/preview")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        "3 decisions: 1 changed since the last release, 2 never released; "
        "9 messages to 7 recipients." in page
    )
    # Who receives what, and one rendered sample per template (oral, rejected).
    assert page.count("Correction</td>") == 3
    assert oral.authors[1].email in page
    assert page.count('class="card mb-3 release-sample"') == 2
    # The preview queued nothing and changed nothing.
    db.session.expire_all()
    assert len(decision_mails()) == before
    assert oral.released_outcome is None and changed.released_outcome == "poster"

    confirm = {
        "fingerprint": hidden(page, "fingerprint")[0],
        "release_ids": hidden(page, "release_ids"),
    }
    assert sorted(map(int, confirm["release_ids"])) == sorted([changed.id, oral.id, rejected.id])
    done = client.post("/met26/manage/decisions/release", data=confirm)
    assert done.status_code == 302
    db.session.expire_all()
    assert len(decision_mails()) == before + 9
    assert oral.released_outcome == "oral" and changed.released_outcome == "oral"
    corrections = [m for m in decision_mails() if m.subject.startswith("Correction:")]
    assert {m.to_address for m in corrections} == {
        changed.submitter.email,
        *(a.email.lower() for a in changed.authors),
    }


def test_confirm_refuses_a_decision_changed_after_the_preview_and_shows_the_new_one(
    client, auth, organizer, congress, three_decisions
):
    _changed, oral, rejected = three_decisions
    before = len(decision_mails())
    auth.login(organizer)
    page = client.get("/met26/manage/decisions/release/preview").get_data(as_text=True)
    confirm = {
        "fingerprint": hidden(page, "fingerprint")[0],
        "release_ids": hidden(page, "release_ids"),
    }
    decide(oral, "poster", organizer)  # another organizer changes a decision meanwhile
    db.session.commit()
    response = client.post("/met26/manage/decisions/release", data=confirm)
    assert response.status_code == 409
    new_page = response.get_data(as_text=True)
    assert "changed since the preview, so nothing was sent" in new_page
    assert hidden(new_page, "fingerprint")[0] != confirm["fingerprint"]
    db.session.expire_all()
    assert len(decision_mails()) == before
    assert oral.released_outcome is None and rejected.released_outcome is None


def test_confirm_releases_only_what_was_previewed_not_a_later_decision(
    make_abstract, organizer, congress, three_decisions
):
    _changed, _oral, rejected = three_decisions
    preview = decisions.preview_release(
        congress, decisions.parse_selection(congress, outcomes=["oral"])
    )
    late = make_abstract()
    decide(late, "oral", organizer)  # decided after the preview: not part of it
    result = decisions.confirm_release(congress, preview.abstract_ids, preview.fingerprint)
    assert result.decisions == 2 and late.released_outcome is None
    assert rejected.released_outcome is None


def test_release_selection_by_track_by_outcome_and_by_ids(congress, three_decisions):
    changed, oral, rejected = three_decisions

    def chosen(**selection):
        return set(
            decisions.preview_release(
                congress, decisions.parse_selection(congress, **selection)
            ).abstract_ids
        )

    assert chosen() == {changed.id, oral.id, rejected.id}
    assert chosen(track="cancer-immunology") == {oral.id}
    assert chosen(outcomes=["oral"]) == {changed.id, oral.id}
    assert chosen(outcomes=["rejected", "poster"]) == {rejected.id}
    assert chosen(abstract_ids=[str(rejected.id), str(oral.id)]) == {rejected.id, oral.id}
    assert chosen(track="cancer-metastasis", outcomes=["oral"]) == {changed.id}
    decisions.release_decisions(
        congress, selection=decisions.parse_selection(congress, track="cancer-immunology")
    )
    assert oral.released_outcome == "oral" and rejected.released_outcome is None


def test_bad_selection_names_each_field(congress, other_congress_abstract):
    with pytest.raises(ValidationFailed) as exc:
        decisions.parse_selection(
            congress,
            track="dermatology",
            outcomes=["maybe"],
            abstract_ids=["x", str(other_congress_abstract)],
        )
    assert set(exc.value.fields) == {"track", "outcomes", "abstract_ids"}
    assert len(exc.value.fields["abstract_ids"]) == 2


@pytest.fixture
def other_congress_abstract(make_abstract):
    """An id that is not an abstract of this congress."""
    return make_abstract().id + 1000


def test_preview_samples_hold_no_live_link_and_write_nothing(make_abstract, organizer, congress):
    oral, rejected = make_abstract(), make_abstract()
    decide(oral, "oral", organizer)
    decide(rejected, "rejected", organizer)
    db.session.commit()
    preview = decisions.preview_release(congress)
    _subject, text = preview.samples["oral"]
    assert decisions.SAMPLE_LINK in text
    assert "/met26/abstracts/confirm/" not in text and "private-confirm-url" not in text
    assert text.startswith("Dear ")
    assert set(preview.samples) == {"oral", "rejected"}
    # Templates never used before: the preview rendered their defaults without storing them.
    db.session.flush()
    assert db.session.query(DecisionTemplate).filter_by(congress_id=congress.id).count() == 0
    assert decision_mails() == []


def test_correction_goes_only_to_recipients_told_before(
    make_abstract, organizer, congress, create_user
):
    abstract = make_abstract()
    decide(abstract, "poster", organizer)
    decisions.release_decisions(congress)
    # The abstract changes hands after the first release: the new submitter never heard of it.
    newcomer = create_user(name="Zofia Żółkiewska", email="zofia@umed.lodz.example")
    abstract.submitter = newcomer
    decide(abstract, "oral", organizer)
    preview = decisions.preview_release(congress)
    plan = {m.email: m.correction for m in preview.messages}
    assert plan.pop("zofia@umed.lodz.example") is False
    assert plan and all(plan.values())
    decisions.release_decisions(congress)
    (first,) = [m for m in decision_mails() if m.to_address == "zofia@umed.lodz.example"]
    assert not first.subject.startswith("Correction:")
    assert first.body_text.startswith("Dear Zofia Żółkiewska,")


# -- API ------------------------------------------------------------------------------------------


def test_api_dry_run_previews_then_fingerprint_confirms(
    client, api_token, organizer, congress, three_decisions
):
    changed, oral, rejected = three_decisions
    org = api_token(organizer)
    before = len(decision_mails())
    dry = client.post(
        "/api/v1/congresses/met26/decisions/release",
        json={"outcomes": ["oral"], "dry_run": True},
        headers=org,
    )
    assert dry.status_code == 200
    preview = dry.json["preview"]
    assert dry.json["dry_run"] is True and dry.json["released"] == 0
    assert sorted(preview["abstract_ids"]) == sorted([changed.id, oral.id])
    assert preview["changed_since_release"] == 1 and preview["never_released"] == 1
    assert preview["message_count"] == 6 and preview["by_outcome"] == {"oral": 2}
    assert [s["outcome"] for s in preview["samples"]] == ["oral"]
    assert "/met26/abstracts/confirm/" not in preview["samples"][0]["text"]
    assert len(decision_mails()) == before  # nothing queued by the dry run

    confirm = {"abstract_ids": preview["abstract_ids"], "fingerprint": preview["fingerprint"]}
    decide(oral, "poster_discussion", organizer)
    db.session.commit()
    stale = client.post("/api/v1/congresses/met26/decisions/release", json=confirm, headers=org)
    assert stale.status_code == 409 and stale.json["error"]["code"] == "release_changed"
    assert stale.json["error"]["preview"]["by_outcome"] == {"oral": 1, "poster_discussion": 1}
    assert len(decision_mails()) == before

    fresh = stale.json["error"]["preview"]
    confirm = {"abstract_ids": fresh["abstract_ids"], "fingerprint": fresh["fingerprint"]}
    done = client.post("/api/v1/congresses/met26/decisions/release", json=confirm, headers=org)
    assert done.json == {"dry_run": False, "released": 2, "messages": 6}
    db.session.expire_all()
    assert rejected.released_outcome is None


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"track": "dermatology"}, {"track"}),
        ({"outcomes": ["maybe"]}, {"outcomes.0"}),
        ({"abstract_ids": ["x", 0]}, {"abstract_ids.0", "abstract_ids.1"}),
        ({"abstract_ids": [987654]}, {"abstract_ids"}),
        ({"dry_run": "perhaps"}, {"dry_run"}),
        ({"fingerprint": "abc"}, {"fingerprint"}),
        ({"fingerprint": "a" * 64}, {"abstract_ids"}),
    ],
)
def test_api_release_bad_input_is_422_naming_the_fields(
    client, api_token, organizer, congress, body, fields
):
    response = client.post(
        "/api/v1/congresses/met26/decisions/release", json=body, headers=api_token(organizer)
    )
    assert response.status_code == 422, response.json
    assert set(response.json["error"]["fields"]) == fields


def test_release_response_schema_is_in_the_openapi(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/congresses/{congress}/decisions/release"]["post"]
    assert "requestBody" in operation
    schemas = spec["components"]["schemas"]
    assert {"ReleasePreviewOut", "ReleaseOut", "Release"} <= set(schemas)
    assert "fingerprint" in schemas["ReleasePreviewOut"]["properties"]


# -- decisions on incomplete reviews ---------------------------------------------------------------


def complete_review(abstract, reviewer, overall):
    assignment = review.add_reviewer(abstract, reviewer)
    review.save_review(
        assignment,
        {
            "scores": {"novelty": 4, "methods": 4, "results": 3, "relevance": 4},
            "overall": overall,
            "comment_to_authors": "",
        },
    )


def test_deciding_on_fewer_reviews_than_required_asks_for_confirmation(
    make_abstract, make_reviewer, organizer
):
    abstract = make_abstract()
    complete_review(abstract, make_reviewer(), 4)
    review.add_reviewer(abstract, make_reviewer())  # assigned, not yet reviewed
    with pytest.raises(Conflict) as exc:
        decisions.decide_abstract(abstract, "oral", organizer)
    assert exc.value.code == "incomplete_reviews"
    assert "1 of 3" in exc.value.message
    assert abstract.outcome is None
    with pytest.raises(Conflict):
        decisions.decide_abstracts([abstract], "oral", organizer)
    decisions.decide_abstract(abstract, "oral", organizer, confirm_incomplete=True)
    assert abstract.outcome == "oral"


def test_deciding_with_every_required_review_needs_no_confirmation(
    make_abstract, make_reviewer, organizer
):
    abstract = make_abstract()
    for overall in (4, 5, 3):
        complete_review(abstract, make_reviewer(), overall)
    decisions.decide_abstract(abstract, "oral", organizer)
    assert abstract.outcome == "oral" and not abstract.has_incomplete_reviews


def test_detail_page_asks_before_deciding_and_list_flags_incomplete_means(
    client, auth, make_abstract, make_reviewer, organizer
):
    abstract = make_abstract()
    complete_review(abstract, make_reviewer(), 5)
    db.session.commit()
    auth.login(organizer)
    asked = client.post(f"/met26/manage/abstracts/{abstract.id}/decision", data={"outcome": "oral"})
    assert asked.status_code == 409
    page = asked.get_data(as_text=True)
    assert "1 of 3 required reviews completed" in page
    assert 'name="confirm_incomplete" value="1"' in page
    db.session.expire_all()
    assert abstract.outcome is None
    listing = client.get("/met26/manage/abstracts").get_data(as_text=True)
    assert "incomplete: 1/3" in listing  # the mean of one review is marked as such
    client.post(
        f"/met26/manage/abstracts/{abstract.id}/decision",
        data={"outcome": "oral", "confirm_incomplete": "1"},
    )
    db.session.expire_all()
    assert abstract.outcome == "oral"
    listing = client.get("/met26/manage/abstracts").get_data(as_text=True)
    assert "decided on 1 of 3 reviews" in listing


def test_organizer_previews_only_the_ticked_decisions_or_one_track(
    client, auth, organizer, three_decisions
):
    changed, oral, rejected = three_decisions
    auth.login(organizer)
    ticked = client.post(
        "/met26/manage/decisions/release/preview", data={"abstract_ids": [str(rejected.id)]}
    ).get_data(as_text=True)
    assert "1 decision: 0 changed since the last release, 1 never released" in ticked
    assert hidden(ticked, "release_ids") == [str(rejected.id)]
    by_track = client.get(
        "/met26/manage/decisions/release/preview?track=cancer-immunology"
    ).get_data(as_text=True)
    assert hidden(by_track, "release_ids") == [str(oral.id)]
    by_outcome = client.get(
        "/met26/manage/decisions/release/preview?outcomes=oral&outcomes=rejected"
    ).get_data(as_text=True)
    assert sorted(map(int, hidden(by_outcome, "release_ids"))) == sorted(
        [changed.id, oral.id, rejected.id]
    )
    unknown = client.get("/met26/manage/decisions/release/preview?track=dermatology")
    assert unknown.status_code == 302  # back to the list with the reason, never a 500
