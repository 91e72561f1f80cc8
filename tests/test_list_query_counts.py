"""Query counts of the organizer and reviewer list pages do not grow with the rows (no N+1).

The demo congress is loaded small and large (about 7 times the abstracts, more registrations),
with extra reviewer accounts (users page, review assignment page) and their queued mails (outbox).
selectinload reads related rows in batches of 500 ids: consecutive batches of the same statement
count once, so only a query per row (an N+1) makes a page's count grow.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from conference.abstracts.review import set_reviewer_expertise
from conference.accounts import services as accounts
from conference.accounts.models import Role
from conference.accounts.services import get_user_by_email
from conference.extensions import db
from tests.conftest import _empty_tables

PAGES = {
    "organizer@example.org": [
        "/met26/manage/",
        "/met26/manage/registrations/totals",
        "/met26/manage/abstracts",
        "/met26/manage/abstracts?status=",
        "/met26/manage/abstracts?status=draft&sort=number",
        "/met26/manage/review",
        "/met26/manage/registrations",
        "/met26/manage/registrations?status=waitlisted",
        "/met26/manage/users",
        "/met26/manage/outbox",
        "/met26/manage/invoices",
        "/met26/manage/invoices.csv",
        "/met26/abstracts/",
    ],
    "reviewer@example.org": ["/met26/review/"],
    "author@example.org": ["/met26/abstracts/"],
}

#: A list of bound parameters, with PostgreSQL's casts (`%(pk_1)s::INTEGER`) or without.
IN_LIST = re.compile(r"IN \((?:\s*(?:\?|%\(\w+\)s|__\[POSTCOMPILE_\w+\])(?:::\w+)?\s*,?)+\)")


def query_count(statements: list[str]) -> int:
    """Statements run, a batched selectinload (same statement again at once) counted once."""
    shapes = [IN_LIST.sub("IN (...)", s) for s in statements]
    return sum(1 for i, shape in enumerate(shapes) if i == 0 or shape != shapes[i - 1])


def load(demo_copy, size: str, extra_users: int) -> None:
    result = demo_copy(size)
    for n in range(extra_users):
        user = accounts.sign_up(  # unconfirmed: each queues a confirmation mail
            email=f"extra{n}@example.org", password="A-long-pass-phrase-1", name=f"Extra {n}"
        )
        accounts.grant_role(user, Role.REVIEWER)
        set_reviewer_expertise(user, result.congress, [t.id for t in result.congress.tracks[:2]])
    db.session.commit()


@contextmanager
def count_queries():
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before_cursor_execute)


def measure(client, auth) -> dict[str, int]:
    counts = {}
    for email, paths in PAGES.items():
        auth.login(get_user_by_email(email))
        for path in paths:
            with count_queries() as statements:
                response = client.get(path)
            assert response.status_code == 200, (email, path)
            counts[f"{email} {path}"] = query_count(statements)
        auth.logout()
    return counts


def test_list_pages_make_as_many_queries_for_many_rows_as_for_few(app, client, auth, demo_copy):
    load(demo_copy, "small", extra_users=5)
    few = measure(client, auth)
    db.session.remove()
    _empty_tables(app)
    load(demo_copy, "large", extra_users=60)
    many = measure(client, auth)
    assert many == few, (few, many)
