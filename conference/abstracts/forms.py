"""Web forms of the abstracts domain, and their translation to the services' plain data."""

from __future__ import annotations

import re
import uuid

from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from conference.abstracts.counting import parse_table_text, table_as_text
from conference.abstracts.models import (
    DISCLOSURE_LABELS,
    DISCLOSURE_TYPES,
    OUTCOME_LABELS,
    SCORE_LABELS,
    Abstract,
    disclosure_type_from_text,
)
from conference.abstracts.services import ATTESTATIONS, KIND_LABELS
from conference.countries import country_choices
from conference.labels import human


def _disclosure_help() -> str:
    return gettext(
        "One relationship per line as “Company: type”, type one of: %(types)s.",
        types="; ".join(str(label).lower() for label in DISCLOSURE_LABELS.values()),
    )


DISCLOSURE_HELP = LazyString(_disclosure_help)


class AuthorForm(Form):
    name = StringField(_l("Name"))
    email = StringField(_l("Email"))
    affiliation = StringField(_l("Affiliations"), description=_l("One or more, separated by “;”."))
    country = SelectField(_l("Country"), choices=[], validate_choice=False)
    presenting = BooleanField(_l("Presenting author"))
    nothing_to_disclose = BooleanField(_l("Nothing to disclose"))
    disclosures = TextAreaField(_l("Disclosures"), description=DISCLOSURE_HELP)

    @property
    def is_blank(self) -> bool:
        return not any(
            (field.data or "").strip() for field in (self.name, self.email, self.affiliation)
        )


class AsciiIndexFieldList(FieldList):
    """FieldList that ignores keys like "authors-²-name": str.isdigit() accepts "²", int() not."""

    def _extract_indices(self, prefix, formdata):
        yield from super()._extract_indices(prefix, _AsciiKeys(formdata))


class _AsciiKeys:
    def __init__(self, formdata):
        self.formdata = formdata

    def __iter__(self):
        return (key for key in self.formdata if key.isascii())


class AbstractForm(FlaskForm):
    #: Idempotency token: a double click on "Submit" finds the draft the first click made.
    creation_key = HiddenField(default=lambda: uuid.uuid4().hex)
    title = TextAreaField(_l("Title"))
    track = SelectField(_l("Track"), choices=[])
    kind = SelectField(_l("Type"), choices=[(k.value, label) for k, label in KIND_LABELS.items()])
    background = TextAreaField(_l("Background"))
    methods = TextAreaField(_l("Methods"))
    results = TextAreaField(_l("Results"))
    conclusions = TextAreaField(_l("Conclusions"))
    keywords = StringField(_l("Keywords (comma-separated)"))
    table = TextAreaField(
        _l("Table (optional)"),
        description=_l("One row per line; separate cells with a | character."),
    )
    is_clinical_trial = BooleanField(_l("This abstract reports a clinical trial"))
    trial_registration = StringField(_l("Trial registration identifier"))
    group_name = StringField(_l("Study group (listed after the authors)"))
    authors = AsciiIndexFieldList(FormField(AuthorForm), min_entries=1, max_entries=100)
    attest_ethics_approval = BooleanField(ATTESTATIONS["ethics_approval"])
    attest_not_previously_published = BooleanField(ATTESTATIONS["not_previously_published"])
    attest_coauthors_agree = BooleanField(ATTESTATIONS["coauthors_agree"])
    attest_will_present = BooleanField(ATTESTATIONS["will_present"])
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit abstract"))
    #: "Add author" and each row's "Remove" (its value is the row's index): they re-render the
    #: form with one row more or less, keeping what was typed; they work without JavaScript.
    add_author = SubmitField(_l("Add author"))
    remove_author = StringField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for entry in self.authors.entries:
            entry.form.country.choices = country_options()


def fill_form(form: AbstractForm, abstract: Abstract, max_authors: int) -> None:
    """Put an abstract's values in the form (for GET)."""
    form.title.data = abstract.title
    form.track.data = abstract.track.slug if abstract.track else ""
    form.kind.data = str(abstract.kind)
    for name in ("background", "methods", "results", "conclusions"):
        getattr(form, name).data = getattr(abstract, name)
    form.keywords.data = ", ".join(abstract.keywords or [])
    form.table.data = table_as_text(abstract.table)
    form.is_clinical_trial.data = abstract.is_clinical_trial
    form.trial_registration.data = abstract.trial_registration
    form.group_name.data = abstract.group_name
    for name in ATTESTATIONS:
        getattr(form, f"attest_{name}").data = getattr(abstract, f"attests_{name}")
    while len(form.authors.entries):
        form.authors.pop_entry()
    for author in abstract.authors:
        _append_author(
            form,
            {
                "name": author.name,
                "email": author.email,
                "affiliation": author.affiliation,
                "country": author.country,
                "presenting": author.is_presenting,
                "nothing_to_disclose": author.nothing_to_disclose,
                "disclosures": "\n".join(
                    f"{d.company}: {human(d.relationship_type, 'disclosure')}"
                    for d in author.disclosures
                ),
            },
        )
    pad_authors(form, max_authors)


def country_options() -> list[tuple[str, str]]:
    """The country list of author rows; the service checks the code (API included)."""
    return [("", gettext("Choose a country")), *country_choices()]


def _append_author(form: AbstractForm, data: dict | None = None) -> None:
    form.authors.append_entry(data)
    form.authors.entries[-1].form.country.choices = country_options()


def pad_authors(form: AbstractForm, max_authors: int) -> None:
    """At least one author row (a new abstract starts with the submitter's)."""
    if not form.authors.entries and max_authors > 0:
        _append_author(form)
    for entry in form.authors.entries:
        entry.form.country.choices = country_options()


def change_author_rows(form: AbstractForm, max_authors: int) -> bool:
    """Apply "Add author" or a row's "Remove" to the submitted form; False when neither."""
    rows = [entry.form.data for entry in form.authors.entries]
    if form.add_author.data:
        if len(rows) < max_authors:
            rows.append({})
    elif (form.remove_author.data or "").isdigit():
        index = int(form.remove_author.data)
        if index < len(rows):
            del rows[index]
    else:
        return False
    while form.authors.entries:
        form.authors.pop_entry()
    for row in rows or [{}]:
        _append_author(form, row)
    return True


def _relationship(text: str) -> str:
    return re.sub(r"[^a-z]+", "_", text.lower()).strip("_")


def parse_disclosures(text: str) -> list[dict]:
    items = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        company, sep, kind = line.rpartition(":")
        if not sep:
            company, kind = line, ""
        # A label in the reader's language ("Honoraires") is read as typed; other text as a code.
        typed = kind.strip()
        if disclosure_type_from_text(typed) not in DISCLOSURE_TYPES:
            typed = _relationship(typed)
        items.append({"company": company.strip(), "relationship": typed})
    return items


def form_data(form: AbstractForm) -> tuple[dict, dict[int, int]]:
    """The services' data from the form, and the form row of each kept author."""
    authors, rows = [], {}
    for index, entry in enumerate(form.authors.entries):
        author = entry.form
        if author.is_blank:
            continue
        rows[len(authors)] = index
        authors.append(
            {
                "name": author.name.data,
                "email": author.email.data,
                "affiliation": author.affiliation.data,
                "country": author.country.data,
                "presenting": author.presenting.data,
                "nothing_to_disclose": author.nothing_to_disclose.data,
                "disclosures": parse_disclosures(author.disclosures.data),
            }
        )
    data = {
        "title": form.title.data,
        "track": form.track.data or None,
        "kind": form.kind.data,
        "sections": {
            name: getattr(form, name).data
            for name in ("background", "methods", "results", "conclusions")
        },
        "keywords": [k.strip() for k in (form.keywords.data or "").split(",") if k.strip()],
        "table": parse_table_text(form.table.data),
        "is_clinical_trial": form.is_clinical_trial.data,
        "trial_registration": form.trial_registration.data,
        "group_name": form.group_name.data,
        "authors": authors,
        "attestations": {name: getattr(form, f"attest_{name}").data for name in ATTESTATIONS},
    }
    return data, rows


def place_errors(form: AbstractForm, fields: dict, rows: dict[int, int]) -> list[str]:
    """Attach the service's field errors to form fields; return those without a field."""
    unplaced: list[str] = []
    for key, messages in fields.items():
        parts = key.split(".")
        target = None
        if parts[0] == "sections" and len(parts) == 2:
            target = getattr(form, parts[1], None)
        elif parts[0] == "attestations" and len(parts) == 2:
            target = getattr(form, f"attest_{parts[1]}", None)
        elif parts[0] == "authors" and len(parts) >= 2 and parts[1].isdigit():
            row = rows.get(int(parts[1]))
            if row is not None:
                sub = form.authors.entries[row].form
                target = getattr(sub, parts[2], None) if len(parts) == 3 else sub.name
        elif parts[0] == "first_author" and rows:
            target = form.authors.entries[rows[0]].form.email
        elif parts[0] in ("length", "first_author", "submission", "authors"):
            target = None
        else:
            target = getattr(form, parts[0], None)
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + list(messages)
        else:
            unplaced.extend(messages)
    return unplaced


class ActionForm(FlaskForm):
    """A button that changes state: only its CSRF token is checked."""


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes (the field macro renders fields of this class name as a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ExpertiseForm(FlaskForm):
    tracks = MultiCheckboxField(_l("Tracks of expertise"), coerce=int)
    submit = SubmitField(_l("Save tracks of expertise"))


class DeclareConflictForm(FlaskForm):
    explanation = TextAreaField(
        _l("Why (optional, for the organizers)"),
        description=_l(
            "For example: a co-author is a close collaborator, or you advised on the study."
        ),
    )
    submit = SubmitField(_l("Declare a conflict of interest"))


class ReviewForm(FlaskForm):
    novelty = SelectField(SCORE_LABELS["novelty"], choices=[], validate_choice=False)
    methods = SelectField(SCORE_LABELS["methods"], choices=[], validate_choice=False)
    results = SelectField(SCORE_LABELS["results"], choices=[], validate_choice=False)
    relevance = SelectField(SCORE_LABELS["relevance"], choices=[], validate_choice=False)
    overall = SelectField(_l("Overall score"), choices=[], validate_choice=False)
    comment_to_committee = TextAreaField(_l("Comment for the committee (not shown to authors)"))
    comment_to_authors = TextAreaField(_l("Comment for the authors"))
    submit = SubmitField(_l("Save review"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(str(n), str(n)) for n in range(1, 6)]
        for name in ("novelty", "methods", "results", "relevance", "overall"):
            getattr(self, name).choices = choices


class AssignForm(FlaskForm):
    reviews_per_abstract = IntegerField(
        _l("Reviewers per abstract"), validators=[Optional(), NumberRange(1, 20)]
    )
    track = SelectField(_l("Track"), choices=[], validate_choice=False)
    allow_overload = BooleanField(_l("Allow more than the balanced load per reviewer"))
    run = SubmitField(_l("Assign reviewers"))


class DecisionForm(FlaskForm):
    outcome = SelectField(
        _l("Outcome"), choices=[(o.value, label) for o, label in OUTCOME_LABELS.items()]
    )
    decide = SubmitField(_l("Record decision"))


class ReleaseTimesForm(FlaskForm):
    """An abstract's own embargo (congress time); empty: the congress's defaults."""

    title_release_at = DateTimeLocalField(
        _l("Title public from"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description=_l("Empty: the congress's date for accepted titles."),
    )
    body_release_at = DateTimeLocalField(
        _l("Text public from"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description=_l(
            "Empty: the congress's date for abstract texts (late-breaking abstracts: the start "
            "of their session)."
        ),
    )
    save_release = SubmitField(_l("Save release times"))


class TemplateForm(FlaskForm):
    subject = StringField(_l("Subject"))
    body = TextAreaField(_l("Message"))
    save = SubmitField(_l("Save template"))


class FeeInvoiceForm(FlaskForm):
    """Who the abstract fee's invoice is made out to (money checks the details)."""

    buyer_name = StringField(_l("Invoice to (person or institution)"))
    buyer_address = TextAreaField(_l("Address"))
    buyer_country = SelectField(_l("Country"), choices=[])
    buyer_vat_id = StringField(_l("VAT id (institutions in the EU, optional)"))
    buyer_email = StringField(_l("Email for the invoice"))
    submit = SubmitField(_l("Get the invoice"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.buyer_country.choices = country_options()


class FeeWaiverForm(FlaskForm):
    reason = StringField(_l("Reason for the waiver"))
    submit = SubmitField(_l("Waive the fee"))
