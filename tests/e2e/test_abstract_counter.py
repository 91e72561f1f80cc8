"""The live character counter (static/js/abstract-counter.js, run in Chromium) and the server
count the same way for every input: one corpus of awkward text goes through both."""

from __future__ import annotations

import pytest

from conference.abstracts import services
from conference.abstracts.counting import CountingRule, parse_table_text
from conference.extensions import db
from tests.e2e.test_abstracts_journey import log_in

SECTIONS = ("background", "methods", "results", "conclusions")

#: (what it probes, fields as typed in the form; missing fields are empty)
CORPUS = [
    ("tabs", {"background": "Tumour\tsize\t\t3 cm\t"}),
    ("no-break spaces", {"background": "HR\u00a04.1 (95%\u00a0CI 2.0\u20138.3)"}),
    ("thin and narrow spaces", {"methods": "Dose 10\u2009mg/m\u00b2 every 14\u202fdays"}),
    ("ideographic space", {"background": "肝転移\u3000液体生検\u3000"}),
    ("zero-width space", {"results": "liquid\u200bbiopsy\u200b \u200b"}),
    ("word joiner and BOM", {"results": "\ufeffctDNA\u2060+ cases"}),
    ("CRLF line breaks", {"methods": "Line one\r\nLine two\r\n\r\n"}),
    ("lone CR", {"methods": "first\rsecond"}),
    ("NEL, line and paragraph separators", {"results": "a\u0085b\u2028c\u2029d"}),
    ("vertical tab and form feed", {"results": "x\x0by\x0cz"}),
    ("information separator", {"conclusions": "p\x1cq\x1f"}),
    ("emoji", {"conclusions": "Outcome 😀 👍🏽 👨\u200d👩\u200d👧 🇪🇺"}),
    ("combining accents", {"title": "Me\u0301tastases he\u0301patiques", "background": "e\u0301"}),
    ("Hangul jamo", {"background": "\u1100\u1161\u11a8 \uac01"}),
    ("CJK", {"background": "肝转移瘤的液体活检。", "methods": "肝転移の切除"}),
    ("Arabic and Greek", {"background": "ورم خبيث النقائل", "methods": "μεταστάσεις"}),
    (
        "Devanagari and full-width digits",
        {"results": "\uff11\uff12\uff13 \u096a\u096b\u096c \u0664\u0665"},
    ),
    ("astral letters", {"results": "\U0001d6fc \U0001d6fd \U0001d407\U0001d411"}),
    ("en quad (NFC changes it)", {"results": "a\u2000b\u2001c"}),
    ("Mongolian vowel separator", {"results": "a\u180eb"}),
    ("leading and trailing spaces", {"title": "  \u00a0Spaced title \u3000", "methods": " m "}),
    ("whitespace-only section", {"results": "\u00a0\u2009\u3000\u200b\r\n", "methods": "m"}),
    ("pipes outside the table", {"background": "a | b || c"}),
    ("empty table rows", {"methods": "m", "table": "Arm | N\n\n | \n|\n\u3000|\u00a0\nB | 12"}),
    ("whitespace-only cells", {"methods": "m", "table": " \u00a0 | x \u2009\n y | \u200b "}),
    ("a table of empty rows only", {"methods": "m", "table": " | \n\u3000|\u2009\n\t\n||"}),
    ("table with CRLF", {"methods": "m", "table": "Group | Relapse\r\nctDNA+ | 80 %\r\n"}),
    ("table rows split by LS", {"methods": "m", "table": "A|B\u2028C|D\u2029E|F\x0bG|H"}),
    ("table cells with emoji", {"methods": "m", "table": "😀 | e\u0301\n肝 | 👍🏽"}),
    (
        "everything",
        {
            "title": " Liquid\u00a0biopsy\u2009after\u3000surgery ",
            "background": "Relapse\tis common.\r\nMe\u0301tastases\u200b.",
            "methods": "84 patients\u2028sampled 😀",
            "results": "HR\u00a04.1\u202f; ١٢٣",
            "conclusions": "\ufeffUseful.\u0085",
            "table": "Arm | N\r\n | \nA\u00a0b | 12\u2003",
        },
    ),
]

RULES = {
    "ASCO (title, body, table; no spaces)": {
        "count_title": True,
        "count_headings": False,
        "count_spaces": False,
        "table_counting": "characters",
    },
    "ESSO (spaces count)": {
        "count_title": False,
        "count_headings": False,
        "count_spaces": True,
        "table_counting": "characters",
    },
    "headings and a flat table": {
        "count_title": True,
        "count_headings": True,
        "count_spaces": True,
        "table_counting": "flat",
    },
}


def js_rule(rule: CountingRule) -> dict:
    """The rule as the counter reads it from #length-counter's data- attributes."""
    attrs = rule.data_attributes()
    return {
        "limit": int(attrs["data-limit"]),
        "countTitle": attrs["data-count-title"] == "1",
        "countHeadings": attrs["data-count-headings"] == "1",
        "countSpaces": attrs["data-count-spaces"] == "1",
        "tableCounting": attrs["data-table-counting"],
        "tableFlat": int(attrs["data-table-flat"]),
        "whitespace": attrs["data-whitespace"],
        "neverCounted": attrs["data-never-counted"],
        "lineBreaks": attrs["data-line-breaks"],
    }


def server_count(congress, author, fields: dict) -> int:
    """What the server counts once the form's input is saved as a draft."""
    data = {
        "title": fields.get("title", ""),
        "sections": {name: fields.get(name, "") for name in SECTIONS},
        "table": parse_table_text(fields.get("table", "")),
    }
    abstract = services.create_abstract(congress, author, data)
    count = services.length_of(abstract)
    db.session.rollback()
    return count


@pytest.mark.parametrize("rule_name", list(RULES))
def test_counter_in_chromium_and_server_agree_on_every_input(
    page, congress, create_user, live_server_factory, rule_name
):
    author = create_user(name="Irene Author", email="irene@example.org")
    for name, value in RULES[rule_name].items():
        setattr(congress, name, value)
    congress.table_flat_amount = 320
    db.session.commit()
    server = live_server_factory()
    page.goto(server.url + "/login")
    page.add_script_tag(url=server.url + "/static/js/abstract-counter.js")
    everything = [dict.fromkeys(("title", *SECTIONS, "table"), "") | f for _, f in CORPUS]
    in_browser = page.evaluate(
        "([rule, corpus]) => corpus.map((fields) => window.abstractLength(rule, fields))",
        [js_rule(CountingRule.of(congress)), everything],
    )
    on_server = [server_count(congress, author, fields) for _, fields in CORPUS]
    differences = {
        label: {"browser": b, "server": s}
        for (label, _), b, s in zip(CORPUS, in_browser, on_server, strict=True)
        if b != s
    }
    assert differences == {}
    assert page.js_errors == []


def test_the_form_counter_matches_the_saved_draft(page, congress, create_user, live_server_factory):
    author = create_user(name="Irene Author", email="irene@example.org")
    congress.count_spaces = True
    db.session.commit()
    server = live_server_factory()
    log_in(page, server.url, author)
    page.goto(server.url + "/met26/abstracts/new")
    typed = dict(CORPUS)["everything"]
    for name, label in (
        ("title", "Title"),
        ("background", "Background"),
        ("methods", "Methods"),
        ("results", "Results"),
        ("conclusions", "Conclusions"),
        ("table", "Table (optional)"),
    ):
        page.get_by_label(label, exact=True).fill(typed[name])
    shown = int(page.locator("#length-counter").get_attribute("data-count"))
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Abstract saved.").wait_for()
    db.session.expire_all()
    abstract = db.session.scalars(db.select(services.Abstract)).one()
    assert services.length_of(abstract) == shown
    assert page.js_errors == []
