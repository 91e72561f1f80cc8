"""Stored certificate PDFs: built and stored when a certificate is issued (claim or the
worker's run), served from the store on download (a missing one is built and stored once),
replaced by a correction, deleted by the erasure of the learner and by the retention purge;
a store that fails during the run loses no certificate."""

from __future__ import annotations

from sqlalchemy import select

from conference import storage
from conference.accounts.models import User
from conference.cme import bulk, certificates, evaluations, retention
from conference.cme.models import Certificate, CertificateRun, RunStatus
from conference.extensions import db
from conference.mail import run_worker
from conference.registration.privacy import erase_registration
from tests.cme.test_certificates import CONGRESS_SCORES
from tests.cme.test_operations import (  # noqa: F401 (fixtures)
    BULK_JOB,
    ended,
    learners,
    next_period,
    pdf_text,
)

#: What the store holds in place of the PDF a test planted: a download that returns it came
#: from the store, not from a build.
PLANTED = b"%PDF-1.4\n% planted by the test: served from the store\n"


def claim(congress, registration, credits=None):
    certificate = certificates.claim_credits(congress, registration, credits)
    db.session.commit()
    return certificate


def download(client, certificate):
    response = client.get(f"/met26/cme/certificates/{certificate.code}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data


def test_downloads_serve_the_stored_pdf_and_a_missing_one_is_built_and_stored_once(
    client, running, physician, api_token
):
    evaluations.submit_evaluation(running, physician.id, scores=CONGRESS_SCORES)
    certificate = claim(running, physician, 1.25)
    key = certificates.pdf_key(certificate)
    stored = storage.get(key)  # built and stored by the claim
    assert "Zofia Łukasiewicz-Dąbrowska" in pdf_text(stored) and "1.25 CME credits" in pdf_text(
        stored
    )
    assert download(client, certificate) == stored

    # The learner's page, the email's link and the API all serve what the store holds.
    storage.put(key, PLANTED, "application/pdf")
    assert download(client, certificate) == PLANTED
    zofia = db.session.scalar(select(User).where(User.email == "zofia@example.org"))
    response = client.get(
        "/api/v1/congresses/met26/me/cme/certificate.pdf", headers=api_token(zofia)
    )
    assert response.status_code == 200 and response.data == PLANTED

    # Lost from the store (or issued before PDFs were stored): built on download, stored once.
    storage.delete(key)
    rebuilt = download(client, certificate)
    assert "Zofia Łukasiewicz-Dąbrowska" in pdf_text(rebuilt) and certificate.code in pdf_text(
        rebuilt
    )
    assert storage.get(key) == rebuilt
    storage.put(key, PLANTED, "application/pdf")
    assert download(client, certificate) == PLANTED  # not built again


def test_the_pdf_is_written_in_the_learners_language(client, running, physician):
    physician.language = "fr"  # registered in French
    evaluations.submit_evaluation(running, physician.id, scores=CONGRESS_SCORES)
    certificate = claim(running, physician)
    text = pdf_text(download(client, certificate))  # an English reader gets it as issued
    assert "Certificat de formation médicale continue" in text and "1.5 crédits CME" in text


def test_a_corrected_claim_replaces_the_stored_pdf(client, running, physician):
    evaluations.submit_evaluation(running, physician.id, scores=CONGRESS_SCORES)
    first = claim(running, physician, 1.0)
    old_key = certificates.pdf_key(first)
    assert storage.exists(old_key)

    # A correction that rolls back keeps the PDF that still holds.
    certificates.claim_credits(running, physician, 0.5)
    undone_key = certificates.pdf_key(first)
    db.session.rollback()
    assert storage.exists(old_key) and not storage.exists(undone_key)

    corrected = claim(running, physician)  # all 1.5 credits
    new_key = certificates.pdf_key(corrected)
    assert new_key != old_key and corrected.code == first.code
    assert not storage.exists(old_key) and storage.exists(new_key)
    text = pdf_text(download(client, corrected))
    assert "awarded 1.5 CME credits" in text and "1.0" not in text and "1 CME" not in text


def test_erasing_the_learner_deletes_the_stored_pdf_and_keeps_the_certificate(
    client, running, physician
):
    evaluations.submit_evaluation(running, physician.id, scores=CONGRESS_SCORES)
    certificate = claim(running, physician, 1.25)
    key = certificates.pdf_key(certificate)
    assert storage.exists(key)

    erase_registration(physician)
    db.session.commit()
    assert not storage.exists(key)
    # The certificate stays verifiable and downloadable (its name and code are kept), but no
    # copy of it is stored again.
    assert "Zofia Łukasiewicz-Dąbrowska" in pdf_text(download(client, certificate))
    assert not storage.exists(key)


def test_the_retention_purge_deletes_the_stored_pdfs(client, running, physician):
    evaluations.submit_evaluation(running, physician.id, scores=CONGRESS_SCORES)
    certificate = claim(running, physician, 1.25)
    key = certificates.pdf_key(certificate)
    assert storage.exists(key)

    retention.purge_congress(running)
    db.session.commit()
    assert not storage.exists(key)
    assert client.get(f"/met26/cme/certificates/{certificate.code}.pdf").status_code == 410
    assert not storage.exists(key)


def test_a_store_that_fails_during_the_run_loses_no_certificate(
    client,
    app,
    tmp_path,
    learners,  # noqa: F811
    ended,  # noqa: F811
):
    """The store's directory cannot be created (a file is in the way): the run issues every
    certificate all the same, with its email and the right progress, and each PDF is built
    and stored on its first download once the store is back."""
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("in the way")
    working_dir = app.config["STORAGE_DIR"]
    app.config["STORAGE_DIR"] = str(blocked)
    run_id = bulk.start_certificate_run(ended).id
    db.session.commit()
    next_period()
    run_worker(interval=0, max_rounds=1, jobs=BULK_JOB)

    run = db.session.get(CertificateRun, run_id)
    assert (run.status, run.done, run.issued, run.skipped) == (RunStatus.DONE, 5, 3, 2)
    issued = db.session.scalars(select(Certificate)).all()
    assert len(issued) == 3

    app.config["STORAGE_DIR"] = working_dir
    for certificate in issued:
        key = certificates.pdf_key(certificate)
        assert not storage.exists(key)
        assert certificate.code in pdf_text(download(client, certificate))
        assert storage.exists(key)


def test_the_run_stores_each_certificates_pdf(client, learners, ended):  # noqa: F811
    run_id = bulk.start_certificate_run(ended).id
    db.session.commit()
    next_period()
    run_worker(interval=0, max_rounds=1, jobs=BULK_JOB)
    assert db.session.get(CertificateRun, run_id).issued == 3
    for certificate in db.session.scalars(select(Certificate)):
        stored = storage.get(certificates.pdf_key(certificate))
        assert certificate.name in pdf_text(stored)
        assert download(client, certificate) == stored


def test_a_download_racing_a_correction_leaves_no_stale_pdf(client, running, physician):
    """A download that read the certificate before a correction committed stores its PDF
    after the correction deleted the old one: it checks the certificate again and deletes
    what it stored, so no stale PDF is left behind (to outlive a purge)."""
    evaluations.submit_evaluation(running, physician.id, scores=CONGRESS_SCORES)
    first = claim(running, physician, 1.0)
    as_read = Certificate(  # the download's copy of the row, read before the correction
        id=first.id,
        congress_id=first.congress_id,
        registration_id=first.registration_id,
        code=first.code,
        name=first.name,
        kind=first.kind,
        credits=first.credits,
        issued_at=first.issued_at,
    )
    old_key = certificates.pdf_key(as_read)
    corrected = claim(running, physician)
    assert not storage.exists(old_key)

    served = certificates.stored_pdf(running, as_read)
    assert "awarded 1 CME credits" in pdf_text(served)  # what that reader asked for
    assert not storage.exists(old_key) and storage.exists(certificates.pdf_key(corrected))


def test_an_s3_store_holds_one_pdf_per_certificate_as_it_stands(
    client, running, physician, s3_storage
):
    evaluations.submit_evaluation(running, physician.id, scores=CONGRESS_SCORES)
    first = claim(running, physician, 1.0)
    assert s3_storage.keys() == [certificates.pdf_key(first)]
    data, content_type = s3_storage.read(certificates.pdf_key(first))
    assert content_type == "application/pdf" and download(client, first) == data

    corrected = claim(running, physician)
    assert s3_storage.keys() == [certificates.pdf_key(corrected)]
    assert "awarded 1.5 CME credits" in pdf_text(download(client, corrected))

    retention.purge_congress(running)
    db.session.commit()
    assert s3_storage.keys() == []


def test_the_qr_code_drawn_is_the_verification_urls(client, running, physician):
    """The QR code's squares in the PDF, read back module by module, are segno's encoding of
    the verification URL, the right way up (row 0 at the top)."""
    import io
    import re

    import segno
    from pypdf import PdfReader

    evaluations.submit_evaluation(running, physician.id, scores=CONGRESS_SCORES)
    certificate = claim(running, physician, 1.25)
    page = PdfReader(io.BytesIO(download(client, certificate))).pages[0]
    content = page.get_contents().get_data().decode("latin-1")
    url = re.search(
        r"https?://\S+/met26/cme/verify/" + certificate.code,
        pdf_text(download(client, certificate)),
    ).group(0)
    expected = [list(row) for row in segno.make(url, error="m", mask=certificates.QR_MASK).matrix]
    side = len(expected) + 2 * certificates.QR_BORDER
    drawn = [[0] * len(expected) for _ in expected]
    for x, y, width in re.findall(r"^(\d+) (\d+) (\d+) 1 re$", content, re.MULTILINE):
        row = side - certificates.QR_BORDER - 1 - int(y)
        for column in range(int(x), int(x) + int(width)):
            drawn[row][column - certificates.QR_BORDER] = 1
    assert drawn == expected
