"""Organizer-written Markdown to safe HTML: markdown-it-py renders, nh3 sanitizes.

Raw HTML in the source is allowed by the renderer (organizers paste it) and then cleaned by
nh3, so whatever the source holds, only the tags below reach a page: no script, style, form,
iframe, image or event handler, and links only to http(s) and mailto addresses.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
}
#: Only the alignment markdown-it writes on table cells survives in a style attribute.
ALLOWED_STYLE_PROPERTIES = {"text-align"}
URL_SCHEMES = {"http", "https", "mailto"}

_markdown = MarkdownIt("commonmark", {"html": True, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def render_markdown(source: str) -> Markup:
    """Safe HTML of Markdown written by an organizer."""
    html = _markdown.render(source or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        filter_style_properties=ALLOWED_STYLE_PROPERTIES,
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704 - sanitized by nh3 just above
