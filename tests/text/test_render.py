"""render_html: everything escaped, hashtags/mentions/http(s) URLs linked, nothing else."""

from __future__ import annotations

from urllib.parse import quote

from markupsafe import Markup

from hashchat.text import Entity, extract_entities, normalize_tag, render_html

REL = 'rel="nofollow ugc noopener"'


def tag_url(tag: str) -> str:
    return "/tags/" + quote(normalize_tag(tag))


def mention_url(name: str) -> str:
    return "/people/" + quote(name)


def render(text: str, entities: list[Entity] | None = None) -> str:
    html = render_html(text, entities, tag_url=tag_url, mention_url=mention_url)
    assert isinstance(html, Markup)
    return str(html)


def test_plain_text_is_escaped() -> None:
    html = render("<script>alert('x' & \"y\")</script>")
    assert "<script>" not in html and "</script>" not in html
    assert html == "&lt;script&gt;alert(&#39;x&#39; &amp; &#34;y&#34;)&lt;/script&gt;"


def test_markup_in_text_is_not_trusted() -> None:
    assert render('<a href="javascript:x()">hi</a> <img src=x onerror=alert(1)>').count("<") == 0


def test_newlines_become_br() -> None:
    assert render("a\nb\r\nc\rd") == "a<br>b<br>c<br>d"
    assert render("x\n\n<y>") == "x<br><br>&lt;y&gt;"


def test_hashtag_link() -> None:
    html = render("I like #Café & <b>")
    assert html == (
        'I like <a href="/tags/caf%C3%A9" class="hashtag" ' + REL + ">#Café</a> &amp; &lt;b&gt;"
    )


def test_fullwidth_hash_and_non_latin_hashtag() -> None:
    html = render("＃日本語 #中文")
    assert f'class="hashtag" {REL}>＃日本語</a>' in html
    assert '<a href="/tags/%E4%B8%AD%E6%96%87" class="hashtag"' in html


def test_mention_link() -> None:
    html = render("hi @Alice_1!")
    assert html == f'hi <a href="/people/Alice_1" class="mention" {REL}>@Alice_1</a>!'


def test_list_links_the_user_only() -> None:
    html = render("see @bob/friends")
    assert html == f'see <a href="/people/bob" class="mention" {REL}>@bob</a>/friends'


def test_http_url_link() -> None:
    html = render("go https://example.com/a?b=1&c=2 now")
    href = "https://example.com/a?b=1&amp;c=2"
    assert html == f'go <a href="{href}" class="url" {REL}>{href}</a> now'


def test_url_without_protocol_gets_http() -> None:
    html = render("see example.com/x")
    assert html == f'see <a href="http://example.com/x" class="url" {REL}>example.com/x</a>'


def test_long_url_is_shortened_for_display_only() -> None:
    url = "https://example.com/" + "a" * 60
    html = render(url)
    assert f'href="{url}"' in html and f'title="{url}"' in html
    shown = html.split(">")[1].split("<")[0]
    assert shown.endswith("…") and len(shown) == 40 and url.startswith(shown[:-1])


def test_javascript_url_is_never_linked() -> None:
    text = "javascript:alert(document.cookie) and JaVaScRiPt:alert(1)//example.com"
    assert "<a" not in render(text)
    # Not even when a caller passes such an entity.
    entity = Entity("url", "javascript:alert(1)", 0, 19)
    assert render("javascript:alert(1)", [entity]) == "javascript:alert(1)"
    data = Entity("url", "data:text/html,x", 0, 16)
    assert render("data:text/html,x", [data]) == "data:text/html,x"


def test_quotes_in_url_cannot_break_out_of_the_attribute() -> None:
    text = 'x http://example.com/"onmouseover="alert(1)'
    html = render(text)
    assert 'onmouseover="' not in html
    assert "&#34;" in html or "<a" not in html


def test_hostile_callbacks_are_escaped() -> None:
    html = render_html(
        "#tag @bob",
        tag_url=lambda tag: '"><script>x</script>',
        mention_url=lambda name: "/u?a=1&b=2",
    )
    assert "<script>" not in html
    assert 'href="&#34;&gt;&lt;script&gt;x&lt;/script&gt;"' in html
    assert 'href="/u?a=1&amp;b=2"' in html


def test_cashtags_stay_plain() -> None:
    assert render("buy $TWTR") == "buy $TWTR"


def test_explicit_entities_overlapping_or_out_of_range_are_ignored() -> None:
    text = "#a #b"
    entities = [
        Entity("hashtag", "a", 0, 2),
        Entity("hashtag", "a", 1, 3),  # overlaps the first
        Entity("hashtag", "b", 3, 9),  # beyond the end
    ]
    html = render(text, entities)
    assert html.count("<a ") == 1 and html.endswith(" #b")


def test_default_entities_are_extract_entities() -> None:
    text = "@x #y http://z.com $W"
    assert render(text) == render(text, extract_entities(text))


def test_empty_text() -> None:
    assert render("") == ""


def test_a_mention_of_nobody_here_stays_text() -> None:
    html = render_html(
        "hi @ghost and @real",
        tag_url=lambda t: f"/tags/{t}",
        mention_url=lambda h: "/@real" if h == "real" else None,
    )
    assert (
        html
        == 'hi @ghost and <a href="/@real" class="mention" rel="nofollow ugc noopener">@real</a>'
    )
