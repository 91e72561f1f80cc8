"""Reports to the accreditor: the numbers equal the data, computed both ways."""

from __future__ import annotations

import csv
import io

from conference.cme import certificates, evaluations, reports
from conference.cme import services as cme_services
from conference.extensions import db
from tests.cme.test_certificates import CONGRESS_SCORES


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_learner_and_event_reports_match_the_data(
    client, auth, running, physician, organizer, officer, disclose
):
    cme_services.update_settings(running, accreditor="eaccme")
    evaluations.submit_evaluation(running, physician.id, scores=CONGRESS_SCORES)
    certificate = certificates.claim_credits(running, physician, 1.5)
    disclosure = disclose("ana@example.org", "Ana Souza", relationships=[("Roche", "stock")])
    cme_services.review_relationship(
        disclosure.relationships[0], officer, relevance="relevant", mitigation="recusal"
    )
    db.session.commit()

    auth.login(organizer)
    learners = _rows(client.get("/met26/manage/cme/reports/learners.csv").data)
    assert learners[0] == list(reports.LEARNER_COLUMNS)
    assert learners[1][:7] == [
        certificate.code,
        "Zofia Łukasiewicz-Dąbrowska",
        "zofia@example.org",
        "Oncologist",
        "FR",
        "cme",
        "1.5",
    ]
    assert len(learners) == 2

    report = reports.event_report(running)
    assert report["attendance_per_day"] == {running.starts_on: 1}
    assert report["attendance_per_category"] == {"Oncologist": 1}
    assert report["credits_offered"] == 1.5 and report["credits_claimed"] == 1.5
    event = _rows(client.get("/met26/manage/cme/reports/event.csv").data)
    assert ["credits", "claimed", "1.5", ""] in event
    assert ["attendance per day", running.starts_on.isoformat(), "1", ""] in event
    mitigation = next(row for row in event if row[0] == "disclosure")
    assert mitigation[1:3] == ["Ana Souza", "Roche (Stock ownership)"]
    assert "Recusal from the topic" in mitigation[3] and officer.display_name in mitigation[3]
    page = client.get("/met26/manage/cme/reports").get_data(as_text=True)
    assert "Credits claimed" in page


def test_reports_are_for_organizers(client, auth, running, officer):
    auth.login(officer)
    for url in ("/met26/manage/cme/reports", "/met26/manage/cme/reports/learners.csv"):
        assert client.get(url).status_code == 403
