"""Copying a congress takes the organizers' texts in other languages with the objects they
belong to (tracks, categories, policies, decision emails), not the old congress's name."""

from __future__ import annotations

from datetime import timedelta

from conference.abstracts import decisions
from conference.congresses import services as policies
from conference.congresses.copying import copy_congress
from conference.congresses.queries import get_policy
from conference.content import services as content
from conference.extensions import db
from conference.program.queries import get_track_by_slug
from conference.registration.queries import get_category_by_slug


def test_a_copy_keeps_the_texts_per_language_of_what_it_copies(congress):
    track = congress.tracks[0]
    category = get_category_by_slug(congress, "student-trainee")
    policy = policies.save_policy(congress, "terms", "# Terms\n\nFees include VAT.")
    template = decisions.update_decision_template(
        congress, decisions.Outcome.ORAL, subject="Oral: {{ number }}", body="Oral {{ title }}."
    )
    content.set_translations(
        congress,
        "fr",
        {
            ("congress", congress.id, "name"): "Congrès 2026 sur les métastases",
            ("congress", congress.id, "venue"): "Palais des congrès",
            ("track", track.id, "name"): "Métastases",
            ("category", category.id, "name"): "Étudiant / interne",
            ("page", policy.id, "body"): "# Conditions\n\nTVA incluse.",
            ("email_template", template.id, "subject"): "Oral : {{ number }}",
        },
    )
    db.session.commit()
    copy = copy_congress(
        congress,
        slug="met27",
        name="International Congress on Cancer Metastasis 2027",
        short_name="MET27",
        starts_on=congress.starts_on + timedelta(days=364),
    )
    db.session.commit()
    copied = content.get_translations(copy, "fr")
    new_track = get_track_by_slug(copy, track.slug)
    new_category = get_category_by_slug(copy, "student-trainee")
    new_policy = get_policy(copy, "terms")
    new_template = decisions.get_templates(copy)["oral"]
    assert copied == {
        ("congress", copy.id, "venue"): "Palais des congrès",
        ("track", new_track.id, "name"): "Métastases",
        ("category", new_category.id, "name"): "Étudiant / interne",
        ("page", new_policy.id, "body"): "# Conditions\n\nTVA incluse.",
        ("email_template", new_template.id, "subject"): "Oral : {{ number }}",
    }
    # The source keeps its own.
    assert len(content.get_translations(congress, "fr")) == 6
