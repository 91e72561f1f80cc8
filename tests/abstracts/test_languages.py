"""Abstracts in French, German and Spanish: the submission and review forms, the receipt and
decision emails in their recipient's language, and form errors in the reader's language next
to their field. Abstract text itself is shown as submitted."""

from __future__ import annotations

import re
from email.header import decode_header, make_header

import pytest

from conference.abstracts import decisions, review
from conference.accounts import services as accounts
from conference.extensions import db
from tests.abstracts.conftest import BACKGROUND
from tests.abstracts.test_views import form_fields
from tests.conftest import deliver_outbox


def _subject(message) -> str:
    """The Subject header decoded (a French subject travels RFC 2047-encoded)."""
    return str(make_header(decode_header(message["Subject"])))


#: What a French, German or Spanish oncologist reads on the submission form.
SUBMISSION_FORM = {
    "fr": [
        "Nouveau résumé",
        "Contexte",
        "Méthodes",
        "Résultats",
        "Conclusions",
        "Auteur présentateur",
        "Aucun lien d\u2019intérêts à déclarer",
        "Numéro d\u2019enregistrement de l\u2019essai",
        "Ce résumé rapporte un essai clinique",
        "Soumettre le résumé",
    ],
    "de": [
        "Neues Abstract",
        "Hintergrund",
        "Methoden",
        "Ergebnisse",
        "Schlussfolgerungen",
        "Präsentierende Person",
        "Keine Interessenkonflikte",
        "Registrierungsnummer der Studie",
        "Dieses Abstract berichtet über eine klinische Studie",
        "Abstract einreichen",
    ],
    "es": [
        "Nuevo resumen",
        "Antecedentes",
        "Métodos",
        "Resultados",
        "Conclusiones",
        "Autor presentador",
        "Nada que declarar",
        "Identificador de registro del ensayo",
        "Este resumen presenta un ensayo clínico",
        "Enviar el resumen",
    ],
}

REVIEW_FORM = {
    "fr": ["Évaluation de", "Originalité", "Pertinence clinique", "Note globale", "Contexte"],
    "de": ["Begutachtung von", "Neuheit", "Klinische Relevanz", "Gesamtbewertung", "Hintergrund"],
    "es": [
        "Revisión de",
        "Originalidad",
        "Relevancia clínica",
        "Puntuación global",
        "Antecedentes",
    ],
}
DECLARE_CONFLICT = {
    "fr": "Déclarer un conflit d\u2019intérêts",
    "de": "Interessenkonflikt erklären",
    "es": "Declarar un conflicto de intereses",
}

#: Receipt: subject start, body; decision: greeting, the default decision text (the
#: organizers did not change it), confirmation line, authors line.
EMAILS = {
    "fr": (
        "Résumé A-0001 reçu :",
        "Votre résumé a bien été reçu par",
        "Bonjour",
        "Nous avons le plaisir de vous annoncer que le résumé A-0001",
        "Confirmez la présentation :",
        "Auteurs :",
    ),
    "de": (
        "Abstract A-0001 eingegangen:",
        "Ihr Abstract ist bei",
        "Guten Tag",
        "Wir freuen uns, Ihnen mitteilen zu können, dass das Abstract A-0001",
        "Präsentation bestätigen:",
        "Autorinnen und Autoren:",
    ),
    "es": (
        "Resumen A-0001 recibido:",
        "ha recibido su resumen",
        "Estimado/a",
        "Nos complace comunicarle que el resumen A-0001",
        "Confirme la presentación:",
        "Autores:",
    ),
}


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_the_submission_form_speaks_the_authors_language(client, auth, author, language):
    accounts.set_language(author, language)
    db.session.commit()
    auth.login(author)
    page = client.get("/met26/abstracts/new").get_data(as_text=True)
    assert f'<html lang="{language}">' in page
    for words in SUBMISSION_FORM[language]:
        assert words in page, words
    for english in ("New abstract", "Presenting author", "Submit abstract", "Background"):
        assert english not in page, english


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_the_review_form_speaks_the_reviewers_language_and_keeps_the_abstract_text(
    client, auth, make_abstract, make_reviewer, language
):
    abstract = make_abstract()
    reviewer = make_reviewer()
    accounts.set_language(reviewer, language)
    review.add_reviewer(abstract, reviewer)
    db.session.commit()
    auth.login(reviewer)
    page = client.get(f"/met26/review/{abstract.id}").get_data(as_text=True)
    for words in [*REVIEW_FORM[language], DECLARE_CONFLICT[language]]:
        assert words in page, words
    assert BACKGROUND in page  # the abstract as submitted, never translated
    assert "Clinical relevance" not in page and "Overall score" not in page


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_receipt_and_decision_reach_the_author_in_their_language(
    app, congress, author, make_abstract, smtp, language
):
    accounts.set_language(author, language)
    db.session.commit()
    # The organizer who releases the decision reads English: the author still gets theirs.
    abstract = make_abstract(submitter=author)
    receipt_subject, receipt_body, greeting, accepted, confirm_line, authors_line = EMAILS[language]
    deliver_outbox()
    (receipt,) = smtp.to(author.email)
    assert _subject(receipt).startswith(receipt_subject)
    text = smtp.text_of(receipt)
    assert receipt_body in text and abstract.title in text

    decisions.decide_abstract(abstract, "oral", confirm_incomplete=True)
    db.session.commit()
    with app.test_request_context(
        "/met26/manage/decisions/release", headers={"Accept-Language": "en"}
    ):
        preview = decisions.preview_release(congress)
        decisions.confirm_release(congress, preview.abstract_ids, preview.fingerprint)
        db.session.commit()
    deliver_outbox()
    decided = [m for m in smtp.to(author.email) if m not in (receipt,)]
    assert len(decided) == 1
    text = smtp.text_of(decided[0])
    assert text.startswith(f"{greeting} {author.display_name}")
    assert accepted in text and confirm_line in text and authors_line in text
    assert abstract.title in text  # the abstract's own words, untranslated
    assert "Dear " not in text and "We are pleased" not in text


def test_a_form_error_is_shown_in_french_next_to_its_field(client, auth, author, congress):
    accounts.set_language(author, "fr")
    db.session.commit()
    auth.login(author)
    response = client.post(
        "/met26/abstracts/new",
        data=form_fields(
            methods="",
            is_clinical_trial="y",
            trial_registration="NCT12",
            # A French author types the French name of the relationship.
            **{"authors-1-disclosures": "Roche : Honoraires"},
        ),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    methods_error = re.search(
        r'<div class="invalid-feedback" id="methods-error">([^<]*)</div>', page
    )
    assert methods_error and methods_error.group(1) == "Rédigez la section Méthodes."
    assert re.search(r'id="methods"[^>]*aria-invalid="true"', page) or re.search(
        r'aria-invalid="true"[^>]*id="methods"', page
    )
    trial_error = re.search(r'id="trial_registration-error">([^<]*)<', page)
    assert trial_error and "« NCT12 » n\u2019est pas un identifiant valide." in trial_error.group(1)
    assert "Write the methods section." not in page
    # The French relationship label was understood: no disclosure error for that author.
    assert 'id="authors-1-disclosures-error"' not in page


def test_a_decision_template_changed_by_the_organizers_is_sent_as_they_wrote_it(
    app, congress, author, make_abstract, smtp
):
    accounts.set_language(author, "fr")
    abstract = make_abstract(submitter=author)
    decisions.update_decision_template(
        congress,
        decisions.Outcome.POSTER,
        subject="Abstract {{ number }}: poster",
        body="Your abstract {{ number }} will be shown as a poster ({{ outcome }}).",
    )
    decisions.decide_abstract(abstract, "poster", confirm_incomplete=True)
    db.session.commit()
    preview = decisions.preview_release(congress)
    decisions.confirm_release(congress, preview.abstract_ids, preview.fingerprint)
    db.session.commit()
    deliver_outbox()
    (decided,) = [m for m in smtp.to(author.email) if _subject(m).endswith(": poster")]
    text = smtp.text_of(decided)
    # The organizers' text as written, the words around it in the author's language.
    assert "Your abstract A-0001 will be shown as a poster (Poster)." in text
    assert text.startswith("Bonjour") and "Auteurs :" in text


def test_a_changed_decision_template_given_in_french_reaches_french_authors(
    app, client, auth, organizer, congress, author, create_user, make_abstract, smtp
):
    from conference.content import services as content

    accounts.set_language(author, "fr")
    german_author = create_user(name="Jonas Weber", email="jonas.weber@example.de")
    accounts.set_language(german_author, "de")
    template = decisions.update_decision_template(
        congress,
        decisions.Outcome.POSTER,
        subject="Abstract {{ number }}: poster",
        body="Your abstract {{ number }} will be shown as a poster.",
    )
    db.session.commit()

    # The organizer gives it in French on the content page; a wrong placeholder is refused.
    auth.login(organizer)
    assert f"#email_template-{template.id}-subject" in client.get(
        "/met26/manage/decisions/templates?outcome=poster"
    ).get_data(True)
    refused = client.post(
        "/met26/manage/content/fr",
        data={f"email_template-{template.id}-body": "Votre résumé {{ numero }} sera affiché."},
    )
    assert refused.status_code == 422
    html = refused.get_data(True)
    assert f'id="email_template-{template.id}-body-error"' in html and "numero" in html
    saved = client.post(
        "/met26/manage/content/fr",
        data={
            f"email_template-{template.id}-subject": "Résumé {{ number }} : poster",
            f"email_template-{template.id}-body": "Votre résumé {{ number }} sera présenté "
            "sous forme de poster.",
        },
    )
    assert saved.status_code == 302
    assert ("email_template", template.id, "body") in content.get_translations(congress, "fr")

    french = make_abstract(submitter=author)
    german = make_abstract(submitter=german_author, title="Liquid biopsy in stage IV disease")
    for abstract in (french, german):
        decisions.decide_abstract(abstract, "poster", confirm_incomplete=True)
    db.session.commit()
    with app.test_request_context("/met26/manage", headers={"Accept-Language": "en"}):
        preview = decisions.preview_release(congress)
        decisions.confirm_release(congress, preview.abstract_ids, preview.fingerprint)
        db.session.commit()
    deliver_outbox()
    (to_french,) = [m for m in smtp.to(author.email) if "poster" in _subject(m)]
    assert _subject(to_french) == f"Résumé {french.number} : poster"
    assert f"Votre résumé {french.number} sera présenté sous forme de poster." in smtp.text_of(
        to_french
    )
    # No German text: the organizers' main-language text.
    (to_german,) = [m for m in smtp.to(german_author.email) if "poster" in _subject(m)]
    assert _subject(to_german) == f"Abstract {german.number}: poster"
    assert f"Your abstract {german.number} will be shown as a poster." in smtp.text_of(to_german)
