"""Rendering course Markdown: what authors get to keep, and what never reaches a learner."""

import pytest

from lms.content.markdown import images_missing_alt, render_inline, render_markdown


def test_ordinary_markdown_survives_sanitising():
    html = render_markdown(
        "# Grounding\n\n"
        "Some *gentle* **emphasis** and `code`.\n\n"
        "- one\n- two\n\n"
        "1. first\n2. second\n\n"
        "> A quote from a survivor.\n\n"
        "| Sign | Response |\n|:-----|:--------:|\n| Freeze | Slow down |\n\n"
        "[Safe link](https://example.org/guide) and <abbr title='Adverse Childhood "
        "Experiences'>ACE</abbr>.\n"
    )
    assert '<h1 id="grounding">Grounding</h1>' in html
    assert "<em>gentle</em>" in html and "<strong>emphasis</strong>" in html
    assert "<code>code</code>" in html
    assert "<ul>" in html and "<ol>" in html
    assert "<blockquote>" in html
    assert '<th align="center">Response</th>' in html
    assert '<a href="https://example.org/guide" rel="noopener noreferrer">' in html
    assert '<abbr title="Adverse Childhood Experiences">ACE</abbr>' in html


def test_admonitions_and_fenced_code_keep_their_classes():
    html = render_markdown(
        '!!! warning "Content note"\n'
        "    This section describes abuse.\n\n"
        "```python\nscore = 1 < 2\n```\n"
    )
    assert '<div class="admonition warning">' in html
    assert '<p class="admonition-title">Content note</p>' in html
    assert "score = 1 &lt; 2" in html
    assert "<pre" in html and "<code" in html


def test_script_and_style_are_removed_with_their_content():
    html = render_markdown(
        "Hello <script>alert('x')</script><style>body{display:none}</style>"
        "<iframe src='https://evil.example'></iframe> there"
    )
    assert "script" not in html
    assert "alert" not in html
    assert "style" not in html and "display" not in html
    assert "iframe" not in html and "evil" not in html
    assert "Hello" in html and "there" in html


@pytest.mark.parametrize("attribute", ["onclick", "onerror", "onmouseover", "style"])
def test_event_handler_and_style_attributes_are_stripped(attribute):
    html = render_markdown(f'<p {attribute}="alert(1)">Hi</p><img src="x.png" {attribute}="x">')
    assert attribute not in html
    assert "alert" not in html


def test_attr_list_cannot_smuggle_event_handlers():
    html = render_markdown('A paragraph\n{: onclick="alert(1)" .admonition }')
    assert "onclick" not in html


@pytest.mark.parametrize(
    "link",
    [
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        '<a href="JaVaScRiPt:alert(1)">click</a>',
        '<a href="data:text/html,hi">click</a>',
    ],
)
def test_dangerous_link_schemes_are_removed(link):
    html = render_markdown(link)
    assert "javascript" not in html.lower()
    assert "data:" not in html
    assert "click" in html


def test_mailto_and_https_links_are_kept():
    html = render_markdown("[Write](mailto:help@example.org) or [read](https://example.org)")
    assert 'href="mailto:help@example.org"' in html
    assert 'href="https://example.org"' in html


def test_every_link_and_image_goes_through_the_resolver_in_order():
    seen = []

    def resolve(url):
        seen.append(url)
        return f"/static/{url}"

    html = render_markdown(
        "See [the handout](media/handout.pdf).\n\n"
        "![Body map](media/body.png)\n\n"
        '<a href="02-next.md">raw html link</a>\n',
        resolve,
    )
    assert seen == ["media/handout.pdf", "media/body.png", "02-next.md"]
    assert 'href="/static/media/handout.pdf"' in html
    assert 'src="/static/media/body.png"' in html
    assert 'href="/static/02-next.md"' in html


def test_a_resolver_returning_none_drops_the_url():
    html = render_markdown("[gone](media/missing.png)", lambda url: None)
    assert "href" not in html
    assert "gone" in html


def test_a_failing_resolver_raises_instead_of_silently_dropping_links():
    def resolve(url):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        render_markdown("[x](media/x.png)", resolve)


def test_heading_ids_are_deterministic_between_documents():
    first = render_markdown("## Safety first\n\n## Safety first\n")
    second = render_markdown("## Safety first\n")
    assert 'id="safety-first"' in first and 'id="safety-first_1"' in first
    assert '<h2 id="safety-first">' in second


def test_footnotes_do_not_leak_into_the_next_document():
    first = render_markdown("Claim.[^1]\n\n[^1]: Source.\n")
    second = render_markdown("No notes here.")
    assert "Source." in first
    assert "Source." not in second and "footnote" not in second


def test_render_inline_has_no_wrapping_paragraph():
    assert render_inline("Breathe *slowly*") == "Breathe <em>slowly</em>"
    assert render_inline("<b onclick='x()'>Bold</b>") == "<b>Bold</b>"


def test_images_missing_alt_lists_their_sources():
    html = render_markdown('![](media/a.png) ![ok](media/b.png) <img src="media/c.png" alt=" ">')
    assert images_missing_alt(html) == ["media/a.png", "media/c.png"]
