"""Reads of the congresses domain: the published policies of a congress and their links."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from conference.congresses.models import Policy, PolicyKind
from conference.extensions import db
from conference.program.models import Congress


def get_policy(congress: Congress, kind: PolicyKind | str) -> Policy | None:
    return db.session.scalar(
        select(Policy).where(Policy.congress_id == congress.id, Policy.kind == str(kind))
    )


def get_policies(congress: Congress) -> dict[PolicyKind, Policy]:
    """The published policies of a congress by kind (a kind not published is absent)."""
    rows = db.session.scalars(select(Policy).where(Policy.congress_id == congress.id))
    return {PolicyKind(policy.kind): policy for policy in rows}


@dataclass(frozen=True)
class PolicyLink:
    kind: PolicyKind
    label: str
    url: str


def get_policy_links(congress: Congress | None, *, external: bool = False) -> list[PolicyLink]:
    """Links to the published policies, in the order terms, cancellation, privacy.

    `external` gives absolute URLs from BASE_URL (emails, sent by the worker outside any
    request); otherwise site paths.
    """
    if congress is None:
        return []
    from flask import url_for

    from conference.urls import external_url

    published = get_policies(congress)
    build = external_url if external else url_for
    return [
        PolicyLink(kind=kind, label=kind.label, url=build(kind.endpoint))
        for kind in PolicyKind
        if kind in published
    ]


def policy_text(congress: Congress, policy: Policy) -> str:
    """A policy's Markdown source in the reader's language, else in the main language."""
    from conference.content.services import translated

    return translated(congress, "page", policy.id, "body", policy.body_markdown)
