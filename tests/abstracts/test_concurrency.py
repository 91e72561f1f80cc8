"""Numbering and double submits under real concurrency (PostgreSQL)."""

import threading

import pytest

from conference.abstracts import services
from conference.abstracts.models import Abstract
from conference.extensions import db
from conference.mail import OutboxMessage

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
