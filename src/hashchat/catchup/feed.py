"""The catch-up as an Atom feed (RFC 4287): one entry per session, its questions with their
best answers, the most reposted posts and the links, as escaped HTML. Built with ElementTree,
so every piece of user text is escaped as XML too."""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

from markupsafe import Markup

from hashchat import urls
from hashchat.accounts.models import Account
from hashchat.catchup.service import Catchup, SessionDigest

ATOM = "http://www.w3.org/2005/Atom"


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def entry_html(d: SessionDigest) -> str:
    """The entry's HTML: every piece of user text escaped by ``Markup.format`` (a post's own
    HTML was rendered, escaped, when it was written)."""
    parts = [Markup("<p>{} posts by {} people.</p>").format(d.posts, d.participants)]
    for q in d.questions:
        parts.append(
            Markup("<h3>Q{}: {} ({} answers)</h3>").format(q.number, q.text, q.answers_count)
        )
        if q.best:
            items = (Markup("<li><b>@{}</b>: {}</li>").format(a.handle, a.content) for a in q.best)
            parts.append(Markup("<ul>{}</ul>").format(Markup("").join(items)))
    if d.most_reposted:
        items = (
            Markup("<li><b>@{}</b> ({} reposts): {}</li>").format(p.handle, p.reposts, p.content)
            for p in d.most_reposted
        )
        parts.append(Markup("<h3>Most reposted</h3><ul>{}</ul>").format(Markup("").join(items)))
    if d.suggestions:
        people = Markup(", ").join(
            Markup('<a href="{}">@{}</a>').format(s.url, s.handle) for s in d.suggestions
        )
        parts.append(Markup("<p>People to follow: {}</p>").format(people))
    if d.links:
        items = (
            Markup('<li><a href="{}">{}</a></li>').format(link.url, link.url) for link in d.links
        )
        parts.append(Markup("<h3>Links</h3><ul>{}</ul>").format(Markup("").join(items)))
    return str(Markup("").join(parts))


def atom(catchup: Catchup, account: Account, *, self_url: str, now: datetime) -> bytes:
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    base = urls.base()
    sub(root, "id", f"{base}/catchup#{account.id}")
    sub(root, "title", f"hashchat: what @{account.handle} missed")
    sub(root, "subtitle", "Sessions of the chats you follow, with their best answers")
    newest = max((d.ends_at for d in catchup.sessions), default=now)
    sub(root, "updated", _iso(newest))
    sub(root, "link", rel="self", href=self_url, type="application/atom+xml")
    sub(root, "link", rel="alternate", href=f"{base}/catchup", type="text/html")
    author = sub(root, "author")
    sub(author, "name", "hashchat")
    for d in catchup.sessions:
        entry = sub(root, "entry")
        sub(entry, "id", f"{base}{d.path}")
        title = f"#{d.hashtag} · {d.local_date}" + (f": {d.topic}" if d.topic else "")
        sub(entry, "title", title)
        sub(entry, "updated", _iso(d.ends_at))
        sub(entry, "published", _iso(d.starts_at))
        sub(entry, "link", rel="alternate", href=f"{base}{d.path}", type="text/html")
        sub(entry, "summary", f"{d.posts} posts by {d.participants} people in {d.title}")
        sub(entry, "content", entry_html(d), type="html")
    body: bytes = ET.tostring(root, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body
