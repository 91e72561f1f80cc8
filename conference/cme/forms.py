"""Forms of the CME domain: a person's disclosure, the CME officer's review, the settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from conference.abstracts.models import DISCLOSURE_LABELS, DISCLOSURE_TYPES
from conference.cme.models import (
    ACCREDITOR_LABELS,
    MITIGATION_LABELS,
    OWNER_EXCEPTION_LABELS,
    Relevance,
)

#: Blank rows offered after the relationships already declared.
BLANK_ROWS = 2


class RelationshipForm(Form):
    """One row: a relationship with an ineligible company (a sub-form: no CSRF token)."""

    company = StringField(_l("Company"), validators=[Length(max=200)])
    nature = SelectField(
        _l("Nature of the relationship"),
        choices=[("", _l("Choose…"))]
        + [(code, DISCLOSURE_LABELS[code]) for code in DISCLOSURE_TYPES],
        validate_choice=False,
    )
    started_on = StringField(_l("From"))
    ended_on = StringField(_l("Until (empty: ongoing)"))

    @property
    def is_blank(self) -> bool:
        return not any(
            (f.data or "").strip()
            for f in (self.company, self.nature, self.started_on, self.ended_on)
        )


class DisclosureForm(FlaskForm):
    nothing_to_disclose = BooleanField(
        _l("I have had no financial relationship with an ineligible company in the past 24 months"),
        description=_l(
            "Ineligible companies produce, market, sell, re-sell or distribute health-care "
            "products used by or on patients (for example pharmaceutical and medical device "
            "companies)."
        ),
    )
    relationships = FieldList(FormField(RelationshipForm), min_entries=BLANK_ROWS)
    owner_employee_of = StringField(
        _l("Ineligible company I own or am employed by"),
        description=_l(
            "Only if you are an owner or an employee of an ineligible company: its name. "
            "Leave empty otherwise."
        ),
        validators=[Length(max=200)],
    )
    submit = SubmitField(_l("Submit my disclosure"))


class ReviewForm(FlaskForm):
    relevance = SelectField(
        _l("Relevance to this person's content"),
        choices=[
            (Relevance.NOT_RELEVANT.value, _l("Not relevant")),
            (Relevance.RELEVANT.value, _l("Relevant")),
        ],
    )
    mitigation = SelectField(
        _l("Mitigation step (relevant relationships)"),
        choices=[("", _l("None recorded yet"))]
        + [(m.value, label) for m, label in MITIGATION_LABELS.items()],
        validate_choice=False,
    )
    peer_reviewer = StringField(
        _l("Reviewer of the slides (peer review)"), validators=[Length(max=200)]
    )
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Record"))


class SettingsForm(FlaskForm):
    accreditor = SelectField(
        _l("Accreditor"), choices=[(a.value, label) for a, label in ACCREDITOR_LABELS.items()]
    )
    requires_mitigation = BooleanField(
        _l(
            "Accredited sessions are published only when every faculty member's disclosure is "
            "in and mitigated"
        ),
        default=True,
    )
    link_days = IntegerField(
        _l("Disclosure links work for (days)"),
        validators=[DataRequired(), NumberRange(min=1, max=365)],
        default=60,
    )
    reminder_days = IntegerField(
        _l("Days between reminders"),
        validators=[DataRequired(), NumberRange(min=1, max=365)],
        default=7,
    )
    separation_minutes = IntegerField(
        _l("Minutes between an industry satellite and an accredited session in the same room"),
        validators=[InputRequired(), NumberRange(min=0, max=240)],
        default=30,
    )
    credit_mode = SelectField(
        _l("Credits"),
        choices=[
            ("verified", _l("Verified attendance: only scanned time counts (EACCME)")),
            ("self_reported", _l("Self-reported: learners attest their time (AMA PRA)")),
        ],
    )
    half_day_cap = DecimalField(
        _l("Most credits per half day"),
        places=2,
        validators=[InputRequired(), NumberRange(min=0.25, max=24)],
        default=3,
    )
    day_cap = DecimalField(
        _l("Most credits per day"),
        places=2,
        validators=[InputRequired(), NumberRange(min=0.25, max=24)],
        default=6,
    )
    requires_evaluation = BooleanField(
        _l("Learners evaluate the congress before they get their certificate"), default=True
    )
    evaluation_threshold = IntegerField(
        _l("Fewest answers before evaluation results are shown"),
        validators=[InputRequired(), NumberRange(min=1, max=100)],
        default=5,
    )
    certificate_window_days = IntegerField(
        _l("Days after the congress during which credits can be claimed and corrected"),
        validators=[InputRequired(), NumberRange(min=1, max=3650)],
        default=28,
    )
    retention_years = IntegerField(
        _l("Years the CME records are kept after the congress"),
        # Optional: left empty, the retention stays as it was (6 years by default).
        validators=[Optional(), NumberRange(min=1, max=30)],
        default=6,
    )
    submit = SubmitField(_l("Save"))


class LinkRequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send me a new link"))


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token."""

    submit = SubmitField(_l("Send"))


# -- learners: evaluations, the credit claim; organizers: their own questions -----------------

RATING_CHOICES = [
    ("1", _l("1 (poor)")),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", _l("5 (excellent)")),
]
YES_NO_CHOICES = [("yes", _l("Yes")), ("no", _l("No"))]


class EvaluationForm(FlaskForm):
    """A session's or the congress's evaluation; its questions are added by `evaluation_form`."""

    comment = TextAreaField(_l("Comment (optional)"), validators=[Length(max=4000)])
    submit = SubmitField(_l("Send my evaluation"))


def evaluation_form(standard: dict, questions, *, session: bool, formdata=None):
    """The form of one evaluation: a 1-5 rating per standard question (`score_<name>`), the
    "free of commercial bias" question of a session, then the organizers' questions
    (`q_<id>`). The service checks the answers; the fields only carry them."""

    class Form(EvaluationForm):
        pass

    for name, label in standard.items():
        setattr(
            Form,
            f"score_{name}",
            RadioField(label, choices=RATING_CHOICES, validate_choice=False),
        )
    if session:
        Form.is_bias_free = RadioField(
            _l("Was the session free of commercial bias?"),
            choices=YES_NO_CHOICES,
            validate_choice=False,
        )
    for question in questions:
        if question.kind == "rating":
            field = RadioField(question.text, choices=RATING_CHOICES, validate_choice=False)
        elif question.kind == "yes_no":
            field = RadioField(question.text, choices=YES_NO_CHOICES, validate_choice=False)
        else:
            field = TextAreaField(question.text, validators=[Length(max=4000)])
        setattr(Form, f"q_{question.id}", field)
    form = Form() if formdata is None else Form(formdata=formdata)
    form.standard_names = [f"score_{name}" for name in standard]
    form.question_fields = [(question, f"q_{question.id}") for question in questions]
    return form


class ClaimForm(FlaskForm):
    credits = DecimalField(
        _l("Credits to claim"),
        places=2,
        validators=[InputRequired(_l("Enter the credits you claim.")), NumberRange(min=0, max=99)],
        description=_l("In steps of 0.25, at most the credits shown as claimable."),
    )
    attest = BooleanField(
        _l(
            "I claim only the credits commensurate with the extent of my participation in "
            "the activity"
        )
    )
    submit = SubmitField(_l("Claim and get my certificate"))


class AttendanceClaimForm(FlaskForm):
    attest = BooleanField(_l("I attended this congress"))
    submit = SubmitField(_l("Get my certificate of attendance"))


class QuestionForm(FlaskForm):
    text = StringField(_l("Question"), validators=[DataRequired(), Length(max=300)])
    kind = SelectField(
        _l("Answer"),
        choices=[
            ("rating", _l("Rating from 1 to 5")),
            ("yes_no", _l("Yes or no")),
            ("text", _l("Free text")),
        ],
    )
    scope = SelectField(
        _l("Asked in"),
        choices=[
            ("congress", _l("Congress evaluation")),
            ("session", _l("Each session's evaluation")),
        ],
    )
    position = IntegerField(
        _l("Order"), validators=[InputRequired(), NumberRange(min=0, max=999)], default=0
    )
    is_required = BooleanField(_l("An answer is required"))
    submit = SubmitField(_l("Save the question"))


class OwnerExceptionForm(FlaskForm):
    """The CME officer's record of the allowed case for an owner or employee of an ineligible
    company (ACCME Standard 3)."""

    exception = SelectField(
        _l("Allowed case"),
        choices=[("", _l("None: may not control accredited content"))]
        + [(e.value, label) for e, label in OWNER_EXCEPTION_LABELS.items()],
        validate_choice=False,
    )
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Record"))
