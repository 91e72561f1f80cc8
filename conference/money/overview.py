"""The organizers' money overview with registration's category names and waivers: one place
for the page, its CSV and the API (money never reads registration tables; registration hands
its labels over through its queries)."""

from __future__ import annotations

from datetime import date

from conference.money.queries import MoneyOverview, get_money_overview
from conference.program.models import Congress


def build_overview(
    congress: Congress, *, date_from: date | None = None, date_to: date | None = None
) -> MoneyOverview:
    from conference.registration.queries import (
        get_category_labels,
        get_group_order_labels,
        get_waivers,
    )

    labels = get_category_labels(congress)
    group_labels = get_group_order_labels(congress)

    def category_of(source: str, key: str) -> str:
        if source == "registration":
            return labels.get(key, "Registration")
        if source == "group_order":
            return group_labels.get(key, "Group order")
        return source.replace("_", " ").capitalize() or "Other"

    return get_money_overview(
        congress,
        date_from=date_from,
        date_to=date_to,
        category_of=category_of,
        waivers=get_waivers(congress),
    )
