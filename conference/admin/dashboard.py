"""The organizer dashboard: each domain's figures, composed, with the lists behind them.

No table is read here: every figure comes from its domain's `dashboard_figures(congress)`
(registration, abstracts, program) or from the outbox, so the dashboard and the lists it links
to share their queries' rules. `get_dashboard` is what the page and `GET /api/v1/dashboard`
show; `build_charts` turns it into chart geometry for the page.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from conference.abstracts import queries as abstract_queries
from conference.abstracts.models import PRESENTED_OUTCOMES
from conference.admin import charts
from conference.labels import human
from conference.mail import OutboxStatus, outbox_counts
from conference.program import schedule_queries
from conference.program.models import Congress
from conference.registration import queries as registration_queries

ABSTRACT_STATUSES = (
    ("submitted", _l("Submitted")),
    ("draft", _l("Draft")),
    ("withdrawn", _l("Withdrawn")),
)
UNDECIDED_LABEL = _l("Not decided yet")


def _registrations(congress: Congress) -> dict:
    figures = registration_queries.dashboard_figures(congress)
    holding = registration_queries.HOLDING
    for category in figures["categories"]:
        category["list_url"] = url_for(
            "registration.registrations", category=category["slug"], status=holding
        )
        category["all_url"] = url_for("registration.registrations", category=category["slug"])
    return {
        **figures,
        "list_url": url_for("registration.registrations", status=holding, sort="created"),
        "totals_url": url_for("registration.totals"),
    }


def _abstracts(congress: Congress) -> dict:
    figures = abstract_queries.dashboard_figures(congress)
    manage = "abstracts.manage_abstracts"
    for track in figures["by_track"]:
        track["list_urls"] = {
            status: url_for(manage, track=track["slug"], status=status, sort="number")
            if track["slug"]
            else None
            for status, _ in ABSTRACT_STATUSES
        }
    decisions = [
        {
            "outcome": outcome,
            "label": human(outcome, "outcome")
            if outcome != abstract_queries.UNDECIDED
            else str(UNDECIDED_LABEL),
            "count": count,
            "list_url": url_for(manage, status="submitted", outcome=outcome, sort="number"),
        }
        for outcome, count in figures["outcomes"].items()
    ]
    return {
        "by_track": figures["by_track"],
        "decisions": decisions,
        "accepted": figures["accepted"],
        "accepted_outcomes": sorted(o.value for o in PRESENTED_OUTCOMES),
        "review_progress": [
            {
                "track": p.label,
                "slug": p.slug,
                "assigned": p.assigned,
                "done": p.done,
                "list_url": url_for(manage, track=p.slug, status="submitted", sort="number"),
            }
            for p in figures["review_per_track"]
        ],
        "reviewers_behind": [
            {"name": p.label, "assigned": p.assigned, "done": p.done}
            for p in figures["reviewers_behind"]
        ],
        "reviewers_with_assignments": figures["reviewers"],
        "reviewers_url": url_for("abstracts.manage_review", _anchor="progress-reviewers"),
    }


def _program(congress: Congress, accepted: int) -> dict:
    figures = schedule_queries.dashboard_figures(congress)
    return {
        "accepted": accepted,
        "scheduled": accepted - figures["unscheduled"],
        "unscheduled": figures["unscheduled"],
        "conflicts": figures["conflicts"],
        "conflicts_by_kind": figures["conflicts_by_kind"],
        "schedule_url": url_for("program.schedule_editor"),
        "conflicts_url": url_for("program.conflicts"),
    }


def _outbox() -> dict:
    from conference.congresses.context import current_congress_id
    from conference.mail import outbox_scope

    counts = outbox_counts(outbox_scope(current_congress_id()))
    return {
        "counts": counts,
        "list_urls": {
            status.value: url_for("admin.outbox", status=status.value) for status in OutboxStatus
        },
        "list_url": url_for("admin.outbox"),
    }


def get_dashboard(congress: Congress) -> dict:
    """Every figure of the dashboard, with the address of the list behind each."""
    abstracts = _abstracts(congress)
    return {
        "congress": congress.slug,
        "currency": congress.currency,
        "registrations": _registrations(congress),
        "abstracts": abstracts,
        "program": _program(congress, abstracts["accepted"]),
        "outbox": _outbox(),
    }


def build_charts(data: dict) -> dict:
    """Chart geometry for each figure of `get_dashboard` (see templates/admin/_charts.html)."""
    registrations = data["registrations"]
    currency = data["currency"]
    days = registrations["places_per_day"]
    capacity = registrations["capacity"]
    abstracts = data["abstracts"]
    program = data["program"]
    outbox = data["outbox"]

    held = [c for c in registrations["categories"] if c["holding"] or c["capacity"]]
    #: The categories drawn as lines of their own (every category is in the data table).
    largest = sorted(
        (c for c in registrations["categories"] if c["holding"]), key=lambda c: -c["holding"]
    )[: len(charts.LINE_STYLES) - 1]
    return {
        "places_per_day": charts.line_chart(
            "chart-places-per-day",
            _("Places taken per day, cumulative"),
            (
                _(
                    "Registrations holding a place, added up day by day: %(taken)s places "
                    "taken of a capacity of %(capacity)s. The categories with most places have "
                    "lines of their own; the table below gives every category.",
                    taken=days[-1]["cumulative"] if days else 0,
                    capacity=capacity,
                )
                if capacity is not None
                else _(
                    "Registrations holding a place, added up day by day: %(taken)s places "
                    "taken (no limit). The categories with most places have lines of their "
                    "own; the table below gives every category.",
                    taken=days[-1]["cumulative"] if days else 0,
                )
            ),
            days=[d["day"] for d in days],
            series=[
                (_("All categories"), registrations["list_url"], [d["cumulative"] for d in days]),
                *(
                    (c["name"], c["list_url"], [d["by_category"][c["slug"]] for d in days])
                    for c in largest
                ),
            ],
            limit=capacity,
            limit_label=_("Capacity %(capacity)s", capacity=capacity)
            if capacity is not None
            else "",
        ),
        "places_by_category": charts.stacked_bar_chart(
            "chart-places-by-category",
            _("Places held by category"),
            _(
                "Registrations holding a place in each professional category, with the "
                "category's own capacity where it has one."
            ),
            label_heading=_("Category"),
            series=[_("Places held")],
            rows=[(c["name"], c["list_url"], [c["holding"]]) for c in held],
            value_texts=[
                _("%(done)s of %(total)s", done=c["holding"], total=c["capacity"])
                if c["capacity"] is not None
                else str(c["holding"])
                for c in held
            ],
            show_total=False,
        ),
        "money_by_category": charts.stacked_bar_chart(
            "chart-money-by-category",
            _("Paid and outstanding by category (%(currency)s)", currency=currency),
            _(
                "Money paid (less refunds) and amounts still owed for places held, per "
                "category, in %(currency)s. Grand total paid %(paid)s, outstanding "
                "%(outstanding)s.",
                currency=currency,
                paid=registrations["totals"]["paid"],
                outstanding=registrations["totals"]["outstanding"],
            ),
            label_heading=_("Category"),
            series=[_("Paid"), _("Outstanding")],
            rows=[
                (c["name"], c["all_url"], [c["paid"], c["outstanding"]])
                for c in registrations["categories"]
                if c["paid"] or c["outstanding"]
            ],
        ),
        "abstracts_by_track": charts.stacked_bar_chart(
            "chart-abstracts-by-track",
            _("Abstracts by track and status"),
            _("Number of abstracts in each track, split into submitted, draft and withdrawn."),
            label_heading=_("Track"),
            series=[str(label) for _status, label in ABSTRACT_STATUSES],
            rows=[
                (t["name"], t["list_urls"]["submitted"], [t[s] for s, _label in ABSTRACT_STATUSES])
                for t in abstracts["by_track"]
            ],
            cell_urls=[
                [t["list_urls"][s] for s, _label in ABSTRACT_STATUSES]
                for t in abstracts["by_track"]
            ],
        ),
        "review_progress": charts.stacked_bar_chart(
            "chart-review-progress",
            _("Review progress per track"),
            _("Reviews done and still to do among those assigned, per track."),
            label_heading=_("Track"),
            series=[_("Done"), _("To do")],
            rows=[
                (p["track"], p["list_url"], [p["done"], p["assigned"] - p["done"]])
                for p in abstracts["review_progress"]
            ],
            value_text=lambda values: _(
                "%(done)s of %(total)s done", done=values[0], total=values[0] + values[1]
            ),
        ),
        "decisions": charts.bar_chart(
            "chart-decisions",
            _("Decisions by outcome"),
            _("Submitted abstracts by decision, including those not decided yet."),
            label_heading=_("Decision"),
            value_heading=_("Abstracts"),
            rows=[(d["label"], d["list_url"], d["count"]) for d in abstracts["decisions"]],
        ),
        "scheduling": charts.stacked_bar_chart(
            "chart-scheduling",
            _("Accepted abstracts in the program"),
            ngettext(
                "%(scheduled)s of %(num)d accepted abstract has a slot; %(waiting)s wait for one.",
                "%(scheduled)s of %(num)d accepted abstracts have a slot; %(waiting)s wait for "
                "one.",
                program["accepted"],
                scheduled=program["scheduled"],
                waiting=program["unscheduled"],
            ),
            label_heading=_("Abstracts"),
            series=[_("Scheduled"), _("Waiting for a slot")],
            rows=[
                (
                    _("Accepted abstracts"),
                    program["schedule_url"],
                    [program["scheduled"], program["unscheduled"]],
                )
            ],
            value_text=lambda values: _(
                "%(done)s of %(total)s scheduled", done=values[0], total=values[0] + values[1]
            ),
        ),
        "conflicts": charts.bar_chart(
            "chart-conflicts",
            _("Open program conflicts by kind"),
            ngettext(
                "%(num)d conflict to fix or acknowledge before publishing.",
                "%(num)d conflicts to fix or acknowledge before publishing.",
                program["conflicts"],
            ),
            label_heading=_("Kind of conflict"),
            value_heading=_("Conflicts"),
            rows=[
                (human(kind, "schedule_conflict"), program["conflicts_url"], count)
                for kind, count in program["conflicts_by_kind"].items()
            ],
        ),
        "outbox": charts.bar_chart(
            "chart-outbox",
            _("Mail outbox"),
            _("Messages queued, being sent, sent and failed."),
            label_heading=_("Status"),
            value_heading=_("Messages"),
            rows=[
                (human(status, "outbox_status"), outbox["list_urls"][status], count)
                for status, count in outbox["counts"].items()
            ],
        ),
    }
