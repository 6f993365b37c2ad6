"""Bulletin bodies: Markdown rendered to HTML, then cleaned by nh3 to a short list of tags.

The sanitiser runs on the rendered HTML, so whatever Markdown lets through (raw HTML, odd link
schemes) is cut down to headings, paragraphs, lists, emphasis, quotes, code, tables and
http(s)/mailto links; no script, style, event handler or javascript: URL survives.
"""

import markdown
import nh3

ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "ul", "ol", "li", "strong", "em",
    "b", "i", "a", "blockquote", "code", "pre", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render(source: str) -> str:
    """The sanitised HTML of a Markdown text."""
    html = markdown.markdown(source, extensions=["tables", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
