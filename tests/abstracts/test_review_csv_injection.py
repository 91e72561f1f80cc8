"""The reviewers' CSV goes through the shared formula guard (conference.spreadsheet)."""

from __future__ import annotations

import csv
import io

from conference.abstracts import review
from conference.extensions import db


def test_review_csv_defuses_full_width_formulas(client, auth, make_abstract, make_reviewer):
    abstract = make_abstract(title='\uff1dHYPERLINK("http://evil.example") metastasis')
    reviewer = make_reviewer()
    review.add_reviewer(abstract, reviewer)
    db.session.commit()
    auth.login(reviewer)
    response = client.get("/met26/review/assignments.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][rows[0].index("title")] == "'" + abstract.title
