"""List pages keep a flat query count as data grows; demo data is ready for the program."""

import contextlib

from sqlalchemy import event

from conference.abstracts import review
from conference.abstracts.queries import get_accepted_abstracts
from conference.extensions import db


@contextlib.contextmanager
def count_queries():
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def page_queries(client, path) -> int:
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_list_pages_do_not_grow_queries_with_rows(
    client, auth, make_abstract, make_reviewer, organizer, author
):
    reviewer = make_reviewer()

    def add(n):
        for _ in range(n):
            abstract = make_abstract()
            review.add_reviewer(abstract, reviewer)
        db.session.commit()

    add(2)
    paths = ["/met26/manage/abstracts", "/met26/abstracts/"]
    auth.login(organizer)
    few = {path: page_queries(client, path) for path in paths[:1]}
    auth.login(author)
    few["/met26/abstracts/"] = page_queries(client, "/met26/abstracts/")
    auth.login(reviewer)
    few["/met26/review/"] = page_queries(client, "/met26/review/")
    add(8)
    auth.login(organizer)
    assert page_queries(client, "/met26/manage/abstracts") == few["/met26/manage/abstracts"]
    auth.login(author)
    assert page_queries(client, "/met26/abstracts/") == few["/met26/abstracts/"]
    auth.login(reviewer)
    assert page_queries(client, "/met26/review/") == few["/met26/review/"]


def test_demo_has_abstracts_in_every_state(app, runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    from sqlalchemy import func, select

    from conference.abstracts.models import Abstract
    from conference.program.queries import get_current_congress

    statuses = dict(
        db.session.execute(select(Abstract.status, func.count()).group_by(Abstract.status)).all()
    )
    assert statuses["draft"] and statuses["submitted"] >= 20 and statuses["withdrawn"]
    accepted = get_accepted_abstracts(get_current_congress())
    outcomes = {a.outcome for a in accepted}
    assert {"oral", "poster"} <= outcomes
    assert len(get_accepted_abstracts(get_current_congress(), confirmed_only=True)) >= 5
    assert all(a.presenting_author is not None for a in accepted)
