"""The organizer's user search (/manage/users) reads through accounts.queries.users_query."""

from __future__ import annotations

from conference.accounts.queries import users_query
from conference.extensions import db


def test_users_query_filters_by_text_and_role(app, congress, create_user):
    anna = create_user("reviewer", email="anna@example.org", name="Anna Zed", affiliation="IEO")
    bob = create_user(email="bob@example.org", name="Bob Young", affiliation="Charité")

    def emails(*args):
        return [u.email for u in db.session.scalars(users_query(*args))]

    assert emails() == [anna.email, bob.email]
    assert emails("ANNA") == [anna.email]
    assert emails("charit") == [bob.email]
    assert emails("", "reviewer") == [anna.email]
    assert emails("", "no-such-role") == [anna.email, bob.email]
    assert emails("bob", "reviewer") == []
