"""The catch-up as an Atom feed (RFC 4287): one entry per session, its questions with their
best answers, the most reposted posts and the links, as escaped HTML. Built with ElementTree,
so every piece of user text is escaped as XML too."""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup

from hashchat import urls
from hashchat.accounts.models import Account
from hashchat.catchup.service import Catchup, SessionDigest
from hashchat.web.atom import add, iso, to_bytes
from hashchat.web.atom import feed as atom_feed


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
    root = atom_feed()
    base = urls.base()
    add(root, "id", f"{base}/catchup#{account.id}")
    add(root, "title", f"hashchat: what @{account.handle} missed")
    add(root, "subtitle", "Sessions of the chats you follow, with their best answers")
    newest = max((d.ends_at for d in catchup.sessions), default=now)
    add(root, "updated", iso(newest))
    add(root, "link", rel="self", href=self_url, type="application/atom+xml")
    add(root, "link", rel="alternate", href=f"{base}/catchup", type="text/html")
    author = add(root, "author")
    add(author, "name", "hashchat")
    for d in catchup.sessions:
        entry = add(root, "entry")
        add(entry, "id", f"{base}{d.path}")
        title = f"#{d.hashtag} · {d.local_date}" + (f": {d.topic}" if d.topic else "")
        add(entry, "title", title)
        add(entry, "updated", iso(d.ends_at))
        add(entry, "published", iso(d.starts_at))
        add(entry, "link", rel="alternate", href=f"{base}{d.path}", type="text/html")
        add(entry, "summary", f"{d.posts} posts by {d.participants} people in {d.title}")
        add(entry, "content", entry_html(d), type="html")
    return to_bytes(root)
