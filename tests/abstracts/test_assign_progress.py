"""`flask abstracts assign` shows a progress bar and ends with a one-line summary."""

from __future__ import annotations


def test_assign_cli_shows_a_bar_and_a_summary(runner, make_abstract, pool):
    for _ in range(3):
        make_abstract()
    result = runner.invoke(args=["abstracts", "assign", "--reviews", "2"])
    assert result.exit_code == 0, result.output
    assert "Assigning reviewers" in result.output
    assert "6 assignments made to 4 reviewers; 0 abstracts short of reviewers." in result.output


def test_assign_reports_each_abstract(app, congress, make_abstract, pool):
    from conference.abstracts.review import assign_reviewers

    for _ in range(3):
        make_abstract()
    calls = []
    assign_reviewers(congress, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (3, 3)
