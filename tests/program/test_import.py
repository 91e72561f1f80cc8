"""frab XML import: the reference program, round trips, bad files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conference.errors import ValidationFailed
from conference.extensions import db
from conference.program.frab_import import import_frab
from conference.program.schedule_models import Presentation, ProgramSession, Speaker

DATA = Path(__file__).resolve().parents[1] / "data"


def count(model):
    return db.session.scalar(select(func.count(model.id)))


def test_import_onco_small_from_the_cli(runner, congress):
    result = runner.invoke(
        args=["program", "import", str(DATA / "onco-small.frab.xml"), "--publish"]
    )
    assert result.exit_code == 0, result.output
    assert count(Presentation) == 200
    assert count(Speaker) == 125
    sessions = db.session.scalars(select(ProgramSession)).all()
    assert len(sessions) == len({s.title for s in sessions})
    first = db.session.scalar(
        select(ProgramSession).where(
            ProgramSession.title == "Session D1-R01-1: Cancer metastasis: Emerging evidence"
        )
    )
    assert first.room.name == "Plenary Hall" and first.track.name == "Cancer metastasis"
    assert first.presentations[0].title.startswith("Predictive biomarkers")
    assert "published version 1" in result.output


def test_import_creates_the_congress_when_there_is_none(runner, app):
    result = runner.invoke(args=["program", "import", str(DATA / "onco-small.frab.xml")])
    assert result.exit_code == 0, result.output
    assert "International Oncology Congress 2026" in result.output


def test_export_then_import_round_trips(client, congress, runner, publish):
    runner.invoke(args=["program", "import", str(DATA / "onco-small.frab.xml")])
    publish()
    exported = client.get("/met26/program/schedule.xml").data
    before = {
        (
            p.title,
            p.starts_at,
            p.session.title,
            p.session.room.name,
            tuple(sorted(s.speaker.guid for s in p.speakers)),
        )
        for p in db.session.scalars(select(Presentation))
    }
    import_frab(congress, exported, replace=True)
    db.session.commit()
    db.session.expire_all()
    after = {
        (
            p.title,
            p.starts_at,
            p.session.title,
            p.session.room.name,
            tuple(sorted(s.speaker.guid for s in p.speakers)),
        )
        for p in db.session.scalars(select(Presentation))
    }
    assert after == before and len(after) == 200


def test_bad_file_is_refused_with_a_message(congress):
    with pytest.raises(ValidationFailed) as exc:
        import_frab(congress, b"<schedule><day")
    assert "file" in exc.value.fields
    with pytest.raises(ValidationFailed):
        import_frab(congress, b"<notaschedule/>")


def test_upload_from_the_organizer_page(client, auth, organizer):
    auth.login(organizer)
    data = {"file": ((DATA / "onco-small.frab.xml").open("rb"), "onco-small.frab.xml")}
    response = client.post(
        "/met26/manage/program/import", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    assert count(Presentation) == 200
    response = client.post(
        "/met26/manage/program/import", data={}, content_type="multipart/form-data"
    )
    assert response.status_code == 422 and b"invalid-feedback" in response.data


def test_upload_checks_csrf_and_accepts_files_above_the_default_limit(app, client, auth, organizer):
    app.config["WTF_CSRF_ENABLED"] = True
    auth.login(organizer)
    page = client.get("/met26/manage/program/import").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    xml = (DATA / "onco-small.frab.xml").read_bytes()
    padded = xml.replace(b"<schedule>", b"<schedule><!--" + b"x" * (7 * 1024 * 1024) + b"-->", 1)
    assert len(padded) > app.config["MAX_CONTENT_LENGTH"]

    def upload(data):
        return client.post(
            "/met26/manage/program/import",
            content_type="multipart/form-data",
            data={**data, "file": (io.BytesIO(padded), "big.xml")},
        )

    refused = upload({})
    assert refused.status_code == 422 and count(Presentation) == 0
    assert upload({"csrf_token": token}).status_code == 302
    assert count(Presentation) == 200


def test_importing_the_same_file_twice_adds_nothing(congress):
    data = (DATA / "onco-small.frab.xml").read_bytes()
    import_frab(congress, data)
    counts = import_frab(congress, data)
    assert counts == {"skipped": 200}
    assert count(Presentation) == 200
