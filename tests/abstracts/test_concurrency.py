"""Numbering and double submits under real concurrency (PostgreSQL)."""

import threading

import pytest
from sqlalchemy import select, text

from conference.abstracts import services
from conference.abstracts.models import Abstract, AbstractStatus
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.program.models import Congress
from tests.abstracts.conftest import valid_payload

pytestmark = pytest.mark.postgres


def run_together(app, target, args_list):
    barrier = threading.Barrier(len(args_list))
    errors = []

    def work(*args):
        with app.app_context():
            try:
                barrier.wait()
                target(*args)
                db.session.commit()
            except Exception as exc:  # reported below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return errors


def submit_by_id(abstract_id):
    services.submit_abstract(db.session.get(Abstract, abstract_id))


def test_concurrent_submissions_get_distinct_numbers(app, pg_engine_url, make_abstract):
    ids = [make_abstract(submit=False).id for _ in range(6)]
    db.session.remove()
    assert run_together(app, submit_by_id, [(i,) for i in ids]) == []
    numbers = [db.session.get(Abstract, i).number for i in ids]
    assert sorted(numbers) == [f"A-{n:04d}" for n in range(1, 7)]


def test_a_double_submit_gives_one_number_and_one_email(app, pg_engine_url, make_abstract):
    abstract_id = make_abstract(submit=False).id
    db.session.remove()
    assert run_together(app, submit_by_id, [(abstract_id,), (abstract_id,)]) == []
    assert db.session.get(Abstract, abstract_id).number == "A-0001"
    assert db.session.query(OutboxMessage).filter_by(kind="abstracts/submitted").count() == 1


def test_simultaneous_submits_by_one_first_author_never_exceed_the_quota(
    app, pg_engine_url, congress, author
):
    congress.first_author_quota = 2
    db.session.commit()
    me = {
        "name": author.name,
        "email": author.email.upper(),  # the same person however the email is typed
        "affiliation": "Karolinska Institutet",
        "country": "SE",
        "presenting": True,
        "nothing_to_disclose": True,
    }
    ids = []
    for _ in range(8):
        data = valid_payload()
        data["authors"][0] = me
        ids.append(services.create_abstract(congress, author, data).id)
    db.session.commit()
    db.session.remove()
    errors = run_together(app, submit_by_id, [(i,) for i in ids])
    assert len(errors) == 6 and all(isinstance(e, ValidationFailed) for e in errors), errors
    submitted = db.session.scalars(
        select(Abstract).where(Abstract.status == AbstractStatus.SUBMITTED)
    ).all()
    assert len(submitted) == 2


def test_the_quota_lock_holds_one_person_and_not_the_congress(
    app, pg_engine_url, congress, author, create_user, make_abstract
):
    other = create_user(name="Lars Eriksson", email="lars.eriksson@ki.example")
    draft_id = make_abstract(submitter=other, submit=False).id
    holding, release = threading.Event(), threading.Event()

    def hold_authors_lock():
        with app.app_context():
            services.lock_quota_holder(db.session.get(Congress, congress.id), author.email)
            holding.set()
            release.wait(20)
            db.session.rollback()
            db.session.remove()

    holder = threading.Thread(target=hold_authors_lock)
    holder.start()
    try:
        assert holding.wait(20)
        db.session.execute(text("SET LOCAL lock_timeout = '3s'"))
        services.submit_abstract(db.session.get(Abstract, draft_id))  # another person: no wait
        db.session.commit()
    finally:
        release.set()
        holder.join(30)
    assert db.session.get(Abstract, draft_id).status == AbstractStatus.SUBMITTED
