"""Markdown to sanitised HTML for course content.

Python-Markdown compiles, nh3 sanitises with an allow-list, and links are rewritten inside
nh3's HTML parser (its attribute filter), so raw HTML written by an author gets exactly the
same treatment as Markdown links and no regex ever touches the HTML.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from html.parser import HTMLParser

import markdown
import nh3

LinkResolver = Callable[[str], str | None]
"""Map a URL as written to the URL to emit, or None to drop the attribute."""

_EXTENSIONS = [
    "toc",
    "tables",
    "attr_list",
    "admonition",
    "md_in_html",
    "sane_lists",
    "abbr",
    "footnotes",
    "pymdownx.highlight",
    "pymdownx.superfences",
]
_EXTENSION_CONFIGS = {
    # Pygments would emit dozens of span classes the allow-list would have to track, and
    # its output would change with whatever Pygments version happens to be installed.
    "pymdownx.highlight": {"use_pygments": False},
    # An align attribute survives sanitising; a style attribute would not.
    "tables": {"use_align_attribute": True},
}

_ADMONITION_TYPES = {
    "note",
    "info",
    "tip",
    "hint",
    "important",
    "warning",
    "caution",
    "attention",
    "danger",
    "error",
    "success",
    "question",
    "example",
    "quote",
    "abstract",
    "summary",
    "seealso",
}

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
        "strong", "b", "em", "i", "u", "s", "del", "ins", "mark", "small", "sub", "sup",
        "abbr", "cite", "q", "code", "kbd", "samp", "var", "pre", "blockquote",
        "ul", "ol", "li", "dl", "dt", "dd",
        "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td",
        "figure", "figcaption", "img", "a", "div", "span", "details", "summary",
    }
)  # fmt: skip

ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    # Ids are kept so the toc extension's heading anchors and footnotes work.
    "*": {"id", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start", "type"},
    "li": {"value"},
    "th": {"align", "scope", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "col": {"span"},
    "colgroup": {"span"},
    "details": {"open"},
}

ALLOWED_CLASSES: dict[str, set[str]] = {
    "div": {"admonition", "highlight", "toc", "footnote", *_ADMONITION_TYPES},
    "details": {"admonition", *_ADMONITION_TYPES},
    "p": {"admonition-title"},
    "pre": {"highlight"},
    "a": {"footnote-ref", "footnote-backref"},
}

ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

# Dropped together with everything inside them, not just unwrapped.
_CLEAN_CONTENT_TAGS = {
    "script", "style", "iframe", "object", "embed", "noscript", "template",
    "textarea", "select", "svg", "math",
}  # fmt: skip

_URL_ATTRIBUTES = {("a", "href"), ("img", "src")}

# Markdown instances are not thread-safe, so each thread keeps its own and resets it.
_local = threading.local()


def _markdown() -> markdown.Markdown:
    instance = getattr(_local, "markdown", None)
    if instance is None:
        instance = markdown.Markdown(
            extensions=_EXTENSIONS,
            extension_configs=_EXTENSION_CONFIGS,
            output_format="html",
        )
        _local.markdown = instance
    return instance


def _convert(text: str) -> str:
    instance = _markdown()
    try:
        return instance.convert(text)
    finally:
        # Footnotes, abbreviations and toc state must not leak into the next document.
        instance.reset()


def sanitize_html(
    html: str, resolve_link: LinkResolver | None = None, extra_schemes: tuple[str, ...] = ()
) -> str:
    """Sanitise HTML with the content allow-list, rewriting link and image URLs.

    `extra_schemes` (such as "resource", a link to a family resource by slug) pass the
    sanitiser only to reach `resolve_link`, which must turn them into site addresses.
    """
    failure: list[BaseException] = []

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if resolve_link is None or (tag, attribute) not in _URL_ATTRIBUTES:
            return value
        try:
            return resolve_link(value)
        except Exception as error:
            # nh3 would swallow it into sys.unraisablehook and silently drop the URL.
            failure.append(error)
            return None

    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_CLEAN_CONTENT_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=set(ALLOWED_URL_SCHEMES) | (set(extra_schemes) if resolve_link else set()),
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=attribute_filter,
    )
    if failure:
        raise failure[0]
    return cleaned


def render_markdown(
    text: str, resolve_link: LinkResolver | None = None, extra_schemes: tuple[str, ...] = ()
) -> str:
    """Compile Markdown to sanitised HTML, passing every link and image URL to resolve_link."""
    return sanitize_html(_convert(text), resolve_link, extra_schemes)


def render_inline(
    text: str, resolve_link: LinkResolver | None = None, extra_schemes: tuple[str, ...] = ()
) -> str:
    """Compile a short Markdown fragment to sanitised HTML without the wrapping paragraph."""
    html = _convert(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[len("<p>") : -len("</p>")]
    return sanitize_html(html, resolve_link, extra_schemes)


class _ImageCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.missing_alt: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "img":
            return
        values = dict(attrs)
        if not (values.get("alt") or "").strip():
            self.missing_alt.append(values.get("src") or "")

    handle_startendtag = handle_starttag


def images_missing_alt(html: str) -> list[str]:
    """List the src of every image in html whose alt text is missing or blank."""
    collector = _ImageCollector()
    collector.feed(html)
    collector.close()
    return collector.missing_alt
