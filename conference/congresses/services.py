"""Writes of the congresses domain: organizers publish, change and withdraw policies."""

from __future__ import annotations

from flask_babel import gettext as _

from conference.congresses.models import Policy, PolicyKind
from conference.congresses.queries import get_policies, get_policy
from conference.content import services as content
from conference.errors import FieldErrors, NotFound
from conference.extensions import db
from conference.i18n import format_number
from conference.program.models import Congress

#: Longest policy source accepted (a long privacy notice is about 30,000 characters).
MAX_POLICY_CHARS = 100_000


def policy_kind(value: str) -> PolicyKind:
    """The kind named in a URL or payload; an unknown one is a 404."""
    try:
        return PolicyKind(value)
    except ValueError:
        raise NotFound(
            "No such policy: use terms, cancellation or privacy.", code="unknown_policy"
        ) from None


def save_policies(congress: Congress, bodies: dict[str, str | None], *, by=None) -> dict:
    """Publish, change or withdraw policies: {kind: Markdown source}; an empty source withdraws
    the policy (its page then says it is not published yet). Kinds not given are unchanged.

    Returns {kind: Policy or None}. Every problem is reported under its kind's name.
    """
    errors = FieldErrors()
    cleaned: dict[PolicyKind, str] = {}
    for name, body in bodies.items():
        kind = policy_kind(name)
        text = (body or "").replace("\r\n", "\n").strip()
        if len(text) > MAX_POLICY_CHARS:
            errors.add(
                kind.value,
                _("Use at most %(count)s characters.", count=format_number(MAX_POLICY_CHARS)),
            )
        cleaned[kind] = text
    errors.raise_if_any()
    saved: dict = {}
    for kind, text in cleaned.items():
        policy = get_policy(congress, kind)
        if not text:
            if policy is not None:
                content.forget_object(congress, "page", policy.id)
                db.session.delete(policy)
            saved[kind.value] = None
            continue
        if policy is None:
            policy = Policy(congress_id=congress.id, kind=kind.value, body_markdown=text)
            db.session.add(policy)
        policy.body_markdown = text
        policy.updated_by_id = getattr(by, "id", None)
        saved[kind.value] = policy
    db.session.flush()
    return saved


def save_policy(congress: Congress, kind: str, body: str | None, *, by=None) -> Policy | None:
    """Publish, change or (with an empty source) withdraw one policy."""
    return save_policies(congress, {kind: body}, by=by)[policy_kind(kind).value]


def copy_policies(source: Congress, target: Congress) -> None:
    """The policies of a congress, published again for a new one (copying a congress)."""
    from conference.models import clone_row

    for policy in get_policies(source).values():
        db.session.add(clone_row(policy, congress_id=target.id, updated_by_id=None))
    db.session.flush()
