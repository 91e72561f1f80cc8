"""Long jobs show progress: services report (done, total) to a callback and never print; the
CLI draws a progress bar and ends with a one-line summary."""

from __future__ import annotations

from pathlib import Path

from conference.demo import load_demo
from conference.extensions import db
from conference.program.frab_import import import_frab

DATA = Path(__file__).resolve().parent / "data"


def _calls():
    calls: list[tuple[int, int]] = []
    return calls, lambda done, total: calls.append((done, total))


def _assert_progressed(calls):
    assert calls, "the service never reported progress"
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    done, total = calls[-1]
    assert done == total and total > 0


def test_demo_load_reports_each_part(app, tmp_path, capsys):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    calls, progress = _calls()
    load_demo(progress=progress)
    _assert_progressed(calls)
    assert capsys.readouterr().out == ""  # services never print


def test_frab_import_reports_each_session(app, congress):
    calls, progress = _calls()
    import_frab(congress, (DATA / "onco-small.frab.xml").read_bytes(), progress=progress)
    _assert_progressed(calls)
    assert calls[-1][1] > 10


def test_demo_load_cli_shows_a_bar_and_a_summary(app, runner, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "Loading the demo congress" in result.output
    assert "Loaded the demo congress:" in result.output


def test_import_and_publish_cli_show_bars_and_a_summary(runner, congress):
    result = runner.invoke(
        args=["program", "import", str(DATA / "onco-small.frab.xml"), "--publish"]
    )
    assert result.exit_code == 0, result.output
    assert "Importing sessions" in result.output and "Building exports" in result.output
    summary = result.output.strip().splitlines()[-1]
    assert (
        summary.startswith(f"Imported into {congress.name}:") and "published version 1" in summary
    )
    db.session.rollback()
    again = runner.invoke(args=["program", "publish", "--acknowledge-all"])
    assert "Building exports" in again.output
    assert again.output.strip().splitlines()[-1].startswith("Published version 2 with its exports")
