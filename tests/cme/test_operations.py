"""CME operations after the congress: certificates for every eligible learner issued by the
background worker in batches (idempotent, resumed after a crash, progress for the organizer),
the event report as a PDF, and the retention purge of CME records."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, update

from conference.cme import attendance, bulk, certificates, evaluations, reports, retention
from conference.cme import services as cme_services
from conference.cme.models import (
    AttendanceScan,
    Certificate,
    CertificateRun,
    CmeSettings,
    Disclosure,
    RunStatus,
)
from conference.errors import Conflict
from conference.extensions import db
from conference.jobs import PERIODIC_JOBS, JobLease
from conference.mail import OutboxMessage, run_worker, write_pending
from conference.models import utcnow
from conference.registration import services as registration_services
from tests.cme.test_certificates import CONGRESS_SCORES
from tests.registration.conftest import attendee_data

BULK_JOB = [job for job in PERIODIC_JOBS if job[2] == "conference.cme.bulk:work_due"]
PURGE_JOB = [job for job in PERIODIC_JOBS if job[2] == "conference.cme.retention:purge_due"]


def pdf_text(data: bytes) -> str:
    """The PDF's text with every run of white space one space (table cells wrap)."""
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split()
    )


def next_period() -> None:
    """Move the periodic jobs' leases back: their next period has come."""
    db.session.execute(update(JobLease).values(run_after=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def disclose_before(congress, email, name, relationships=(), nothing=False):
    """A disclosure submitted during the congress (they close when it ends)."""
    disclosure = cme_services.ensure_disclosure(congress, email, name)
    cme_services.submit_disclosure(
        disclosure,
        nothing_to_disclose=nothing,
        relationships=[
            {"company": company, "nature": nature, "started_on": "2025-01-15"}
            for company, nature in relationships
        ],
        now=utcnow() - timedelta(days=2),
    )
    db.session.commit()
    return disclosure


def certificate_mails(address: str) -> int:
    return db.session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.to_address == address, OutboxMessage.kind == "cme/certificate"
        )
    )


@pytest.fixture
def learners(running, priced, make_session, at, physician):
    """The physician (evaluated), plus: a physician who did not evaluate, a student who
    attended and evaluated (attendance certificate), a physician who already claimed, and a
    physician scanned only outside accredited time; all scanned yesterday, at the congress's
    first day (the congress then moves back a day: it ended yesterday)."""
    ended = running
    session = make_session("Adjuvant endocrine therapy", start="14:00", end="15:00", day=0)
    people = {"physician": physician}
    for key in ("no_evaluation", "student", "claimed", "outside"):
        people[key], _ = registration_services.register_attendee(
            ended, attendee_data(email=f"{key}@example.org")
        )
    people["student"].category = priced[2]  # a student (not CME-eligible), proof aside
    room = ended.rooms[0]
    scans = []
    for key, registration in people.items():
        times = (
            (("20:00", "in"), ("21:00", "out"))
            if key == "outside"
            else (
                ("14:00", "in"),
                ("15:00", "out"),
            )
        )
        scans += [
            {
                "client_id": f"{key}-{when}",
                "reference": registration.reference,
                "room": room.id,
                "scanned_at": at(0, when),
                "direction": direction,
            }
            for when, direction in times
        ]
    attendance.record_scans(ended, scans, now=utcnow())
    for key in ("physician", "student", "claimed", "outside"):
        evaluations.submit_evaluation(ended, people[key].id, scores=CONGRESS_SCORES)
    db.session.commit()
    assert session.is_accredited
    running.starts_on -= timedelta(days=1)
    running.ends_on -= timedelta(days=1)
    db.session.commit()
    return people


@pytest.fixture
def ended(learners, running):
    return running


def test_the_worker_issues_every_eligible_learner_a_certificate_once_and_resumes_after_a_crash(
    client, auth, organizer, learners, ended, monkeypatch
):
    claimed = certificates.claim_credits(
        ended, learners["claimed"], 0.5, now=utcnow() - timedelta(hours=1)
    )
    db.session.commit()
    ids = {key: registration.id for key, registration in learners.items()}
    claimed_id, claimed_code = claimed.registration_id, claimed.code
    monkeypatch.setattr(bulk, "BATCH", 2)

    auth.login(organizer)
    response = client.post("/met26/manage/cme/certificates/issue-all", data={})
    assert response.status_code == 302
    [run] = db.session.scalars(select(CertificateRun)).all()
    assert (run.status, run.total, run.done) == (RunStatus.QUEUED, 5, 0)
    page = client.get("/met26/manage/cme/reports").get_data(as_text=True)
    assert "0 of 5 learners handled" in page
    # A second start while it runs is refused with a message, not a second run.
    client.post("/met26/manage/cme/certificates/issue-all", data={})
    assert db.session.scalar(select(func.count(CertificateRun.id))) == 1

    # A worker takes the run, issues one batch, and dies (its lease stays, then runs out).
    run_id, token = bulk.claim_next()
    assert bulk.run_batch(run_id, token) is False
    db.session.expire_all()
    assert (run.done, run.status) == (2, RunStatus.RUNNING)
    page = client.get("/met26/manage/cme/reports").get_data(as_text=True)
    assert "2 of 5 learners handled" in page
    run_worker(interval=0, max_rounds=1, jobs=BULK_JOB)  # lease still held: nothing happens
    run = db.session.get(CertificateRun, run_id)  # the worker ended the test's session
    assert run.done == 2
    db.session.execute(update(CertificateRun).values(lease_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    next_period()
    run_worker(interval=0, max_rounds=1, jobs=BULK_JOB)  # the real worker takes over

    run = db.session.get(CertificateRun, run_id)
    assert (run.status, run.done, run.issued, run.skipped) == (RunStatus.DONE, 5, 2, 3)
    assert run.attempts == 2
    held = {c.registration_id: c for c in db.session.scalars(select(Certificate)).all()}
    assert set(held) == {ids["physician"], ids["student"], claimed_id}
    physician = held[ids["physician"]]
    assert (str(physician.kind), float(physician.credits)) == ("cme", 2.5)
    assert str(held[ids["student"]].kind) == "attendance"
    assert held[claimed_id].code == claimed_code  # untouched
    assert float(held[claimed_id].credits) == 0.5
    # One email each, with the download link; none to the one who had claimed already.
    assert certificate_mails("zofia@example.org") == 1
    assert certificate_mails("student@example.org") == 1
    assert certificate_mails("claimed@example.org") == 1  # from their own claim only
    assert certificate_mails("no_evaluation@example.org") == 0
    write_pending()  # the worker writes the texts of the emails queued by the batches
    db.session.commit()
    message = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.to_address == "zofia@example.org",
            OutboxMessage.kind == "cme/certificate",
        )
    )
    assert f"/met26/cme/certificates/{physician.code}.pdf" in message.body_text
    page = client.get("/met26/manage/cme/reports").get_data(as_text=True)
    assert "Certificates issued: 2" in page

    # Run again: everyone eligible holds a certificate, nothing more is issued or sent.
    client.post("/met26/manage/cme/certificates/issue-all", data={})
    next_period()
    run_worker(interval=0, max_rounds=1, jobs=BULK_JOB)
    second = db.session.scalars(select(CertificateRun).order_by(CertificateRun.id.desc())).first()
    assert (second.status, second.issued, second.skipped) == (RunStatus.DONE, 0, 5)
    assert certificate_mails("zofia@example.org") == 1


def test_issuing_to_everyone_waits_for_the_end_of_the_congress(running, organizer):
    with pytest.raises(Conflict) as caught:
        bulk.start_certificate_run(running, organizer)
    assert caught.value.code == "congress_not_ended"
    assert db.session.scalar(select(func.count(CertificateRun.id))) == 0


def test_the_event_report_pdf_lists_sessions_attendance_evaluations_and_mitigations(
    client, auth, organizer, officer, learners, ended
):
    cme_services.update_settings(ended, accreditor="eaccme", evaluation_threshold=3)
    disclosure = disclose_before(
        ended, "åsa@example.org", "Åsa Lindqvist-Øberg", relationships=[("Roche", "stock")]
    )
    cme_services.review_relationship(
        disclosure.relationships[0], officer, relevance="relevant", mitigation="recusal"
    )
    db.session.commit()

    auth.login(organizer)
    response = client.get("/met26/manage/cme/reports/event.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "CME event report" in text
    assert "Adjuvant endocrine therapy" in text and "Plenary: liver metastases" in text
    assert "Åsa Lindqvist-Øberg" in text and "Recusal from the topic" in text
    assert officer.display_name in text
    # Four congress evaluations, threshold 3: the means are shown.
    assert "The congress as a whole: 4 answers" in text and "Overall quality of the event" in text
    assert "Credits offered: 2.5" in text  # 1.5 + 1 on the first day
    fonts = {
        str(font.get("/BaseFont"))
        for page in PdfReader(io.BytesIO(response.data)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert all("DejaVu" in font for font in fonts), fonts

    cme_services.update_settings(ended, evaluation_threshold=5)
    db.session.commit()
    text = pdf_text(client.get("/met26/manage/cme/reports/event.pdf").data)
    assert "The congress as a whole: 4 answers" in text
    assert "Overall quality of the event" not in text and "Fewer than 5 answers" in text
    auth.login(officer)
    assert client.get("/met26/manage/cme/reports/event.pdf").status_code == 403


def test_records_are_purged_after_the_retention_years_keeping_counts_and_the_code(
    client, auth, organizer, learners, ended
):
    cme_services.update_settings(ended, accreditor="accme", retention_years=6)
    certificate = certificates.claim_credits(
        ended, learners["physician"], now=utcnow() - timedelta(hours=1)
    )
    disclose_before(ended, "chair@example.org", "Chair Person", nothing=True)
    db.session.commit()
    code = certificate.code
    auth.login(organizer)

    run_worker(interval=0, max_rounds=1, jobs=PURGE_JOB)  # within 6 years: nothing purged
    assert db.session.scalar(select(func.count(AttendanceScan.id))) == 12
    assert client.get(f"/met26/cme/verify/{code}").status_code == 200

    # Six years and a day after the congress (the congress's dates moved back).
    ended = db.session.merge(ended)  # the worker ended the test's session
    ended.starts_on -= timedelta(days=6 * 366 + 1)
    ended.ends_on -= timedelta(days=6 * 366 + 1)
    db.session.commit()
    next_period()
    run_worker(interval=0, max_rounds=1, jobs=PURGE_JOB)

    assert db.session.scalar(select(func.count(AttendanceScan.id))) == 0
    assert db.session.scalar(select(func.count(Disclosure.id))) == 0
    kept = db.session.scalar(select(Certificate).where(Certificate.code == code))
    assert kept.purged_at is not None and kept.name == "" and kept.registration_id is None
    settings = db.session.scalar(select(CmeSettings))
    assert settings.retained_counts["learners_scanned"] == 5
    assert settings.retained_counts["cme_certificates"] == 1
    assert settings.retained_counts["credits_claimed"] == 2.5
    assert settings.retained_counts["disclosures"] == 1

    page = client.get(f"/met26/cme/verify/{code}")
    assert page.status_code == 410
    body = page.get_data(as_text=True)
    assert "is no longer held" in body and "Łukasiewicz" not in body
    assert client.get(f"/met26/cme/certificates/{code}.pdf").status_code == 410
    assert client.get(f"/api/v1/congresses/met26/certificates/{code}").status_code == 410
    page = client.get("/met26/manage/cme/reports").get_data(as_text=True)
    assert "were deleted on" in page
    assert reports.learners_rows(ended) == []
    assert "learners scanned" in pdf_text(client.get("/met26/manage/cme/reports/event.pdf").data)
    # Purged once: the next period finds nothing to do.
    assert retention.purge_due() is None


def test_a_learner_claiming_during_the_batch_is_skipped_when_the_batch_is_done_again(
    learners, ended, monkeypatch
):
    run_id = bulk.start_certificate_run(ended).id
    db.session.commit()
    physician_id = learners["physician"].id
    real = bulk._issue_batch
    calls = []

    def claim_meanwhile(congress, ids, registrations, has_certificate, *rest):
        calls.append(set(has_certificate))
        if len(calls) == 1:  # the learner's own claim commits while this batch runs
            certificates.claim_credits(
                congress, registrations[physician_id], 1, now=utcnow() - timedelta(hours=1)
            )
            db.session.commit()
        return real(congress, ids, registrations, has_certificate, *rest)

    monkeypatch.setattr(bulk, "_issue_batch", claim_meanwhile)
    assert bulk.work_due() == f"certificate run {run_id}: done"
    assert calls[0] == set() and physician_id in calls[1]
    run = db.session.get(CertificateRun, run_id)
    assert (run.status, run.issued, run.skipped) == (RunStatus.DONE, 2, 3)
    mine = db.session.scalars(
        select(Certificate).where(Certificate.registration_id == physician_id)
    ).all()
    assert [float(c.credits) for c in mine] == [1.0]  # their own claim, not the run's


def test_organizers_start_and_follow_a_run_through_the_api(
    client, organizer, learners, ended, api_token, create_user
):
    url = "/api/v1/congresses/met26/certificate-runs"
    headers = api_token(organizer)
    assert client.get(url + "/latest", headers=headers).status_code == 404
    assert client.post(url).status_code == 401
    assert client.post(url, headers=api_token(create_user())).status_code == 403
    started = client.post(url, headers=headers)
    assert started.status_code == 202, started.get_json()
    assert started.get_json()["status"] == "queued" and started.get_json()["total"] == 5
    again = client.post(url, headers=headers)
    assert again.status_code == 409
    assert db.session.scalar(select(func.count(CertificateRun.id))) == 1
    run_worker(interval=0, max_rounds=1, jobs=BULK_JOB)
    latest = client.get(url + "/latest", headers=headers).get_json()
    assert latest["status"] == "done" and latest["done"] == 5
    assert latest["issued"] + latest["skipped"] == 5 and latest["issued"] >= 1
