"""Posting out to Mastodon, as a step of the write path (posts/steps.py):

- ``check``: a draft asking for ``bridges: ["mastodon"]`` (or ``"mastodon:unlisted"``) needs its
  author's working linked Mastodon account and a text within that server's own limit (its
  instance configuration's ``max_characters``, a link counting 23 as Mastodon counts it), or it
  fails alone with the reason on ``bridges``;
- then, once the posts are written: each such post, and each question of a session whose chat
  reads Mastodon servers when its author (the host asking) has a linked account, is queued in
  the outbox in the same transaction. Nothing here waits on the network (outbox.py sends).
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.bridges.linked import LinkedAccount
from hashchat.bridges.linking import linked_authors
from hashchat.bridges.mastodon.instance import DEFAULT_MAX_CHARACTERS
from hashchat.bridges.mastodon.models import MastodonApp, MastodonOutgoing, waker
from hashchat.bridges.mastodon.servers import domain_of
from hashchat.bridges.outgoing import withdraw
from hashchat.directory.models import Chat
from hashchat.errors import Invalid
from hashchat.hosting.models import ChatSession, Question
from hashchat.posts.batch import Created
from hashchat.posts.models import Post
from hashchat.posts.steps import Batch, Steps, Then, WriteStep
from hashchat.storage.base import utcnow

NETWORK = "mastodon"
VISIBILITIES = ("public", "unlisted")
URL_LENGTH = 23  # every link counts this much on Mastodon
_URL = re.compile(r"https?://\S+")
_MENTION = re.compile(r"@(\w+)@[\w.-]+\w")


def length(text: str) -> int:
    """The length Mastodon counts: a link is 23, a mention its username only."""
    return len(_MENTION.sub(r"@\1", _URL.sub("x" * URL_LENGTH, text)))


def visibility_of(names: tuple[str, ...]) -> str | None:
    """The visibility asked for (None: Mastodon not asked), or Invalid."""
    for name in names:
        network, _, choice = name.partition(":")
        if network == NETWORK:
            if choice and choice not in VISIBILITIES:
                raise Invalid("mastodon:public or mastodon:unlisted", field="bridges")
            return choice or "public"
    return None


async def limits(session: AsyncSession, servers: set[str]) -> dict[str, int]:
    rows = await session.execute(
        select(MastodonApp.server, MastodonApp.max_characters).where(
            MastodonApp.server.in_(servers)
        )
    )
    return {server: chars for server, chars in rows}


async def check_out(batch: Batch) -> Then | None:
    authors = {batch.drafts[i].author_id for i in batch.going if batch.drafts[i].origin is None}
    asking = {
        batch.drafts[i].author_id
        for i in batch.going
        if any(n.split(":", 1)[0] == NETWORK for n in batch.drafts[i].bridges)
    }
    if not authors:
        return None
    authors = (authors & await linked_authors.get(batch.session, NETWORK)) | asking
    if not authors:
        return None  # nobody here has a link, nobody asks: no query
    rows = await batch.session.execute(
        select(LinkedAccount.account_id, LinkedAccount.id, LinkedAccount.service_url).where(
            LinkedAccount.network == NETWORK,
            LinkedAccount.account_id.in_(authors),
            LinkedAccount.broken == "",
        )
    )
    links = {account_id: (link_id, server) for account_id, link_id, server in rows}
    most = await limits(batch.session, {server for _, server in links.values()})
    asked: dict[int, tuple[int, str]] = {}
    for i in list(batch.going):
        draft = batch.drafts[i]
        try:
            visibility = visibility_of(draft.bridges)
        except Invalid as error:
            batch.refuse(i, error)
            continue
        if visibility is None:
            continue
        if draft.author_id not in links:
            batch.refuse(
                i,
                Invalid(
                    "link your Mastodon account first (Settings › Linked accounts)",
                    field="bridges",
                ),
            )
            continue
        link_id, server = links[draft.author_id]
        limit = most.get(server, DEFAULT_MAX_CHARACTERS)
        if length(draft.text) > limit:
            batch.refuse(
                i,
                Invalid(
                    f"{domain_of(server)} takes {limit} characters; this is {length(draft.text)}",
                    field="bridges",
                ),
            )
            continue
        asked[i] = (link_id, visibility)
    if not links:
        return None

    async def queue(written: Batch) -> None:
        out: dict[int, tuple[int, str]] = {}
        for i, (link_id, visibility) in asked.items():
            result = written.results[i]
            if isinstance(result, Created):
                out[result.post.id] = (link_id, visibility)
        by_linked = {
            r.post.id: links[r.post.account_id][0]
            for r in written.created()
            if r.post.account_id in links and r.post.id not in out and r.post.origin is None
        }
        if by_linked:  # a host's questions go out to where the chat is read
            questions = await written.session.execute(
                select(Question.post_id, Chat.bridges)
                .join(ChatSession, ChatSession.id == Question.session_id)
                .join(Chat, Chat.id == ChatSession.chat_id)
                .where(Question.post_id.in_(by_linked), Chat.bridges.contains("mastodon:"))
            )
            for post_id, _bridges in questions:
                if post_id is not None:
                    out[post_id] = (by_linked[post_id], "public")
        if out:
            await enqueue(written.session, out, most)

    return queue


async def enqueue(
    session: AsyncSession, out: dict[int, tuple[int, str]], most: dict[str, int]
) -> None:
    """Queue ``out`` (post id -> (link id, visibility)) in ``session``'s transaction."""
    now = utcnow()
    texts = dict((await session.execute(select(Post.id, Post.text).where(Post.id.in_(out)))).all())
    servers = dict(
        (
            await session.execute(
                select(LinkedAccount.id, LinkedAccount.service_url).where(
                    LinkedAccount.id.in_({link for link, _ in out.values()})
                )
            )
        ).all()
    )
    for post_id, (link_id, visibility) in out.items():
        limit = most.get(servers.get(link_id, ""), DEFAULT_MAX_CHARACTERS)
        too_long = length(texts.get(post_id, "")) > limit  # a scripted question, say
        session.add(
            MastodonOutgoing(
                post_id=post_id,
                link_id=link_id,
                visibility=visibility,
                idempotency_key=secrets.token_hex(16),
                state="failed" if too_long else "waiting",
                error=f"longer than the {limit} characters the server takes" if too_long else "",
                next_attempt_at=now,
                created_at=now,
            )
        )
    await session.flush()
    waker.after_commit(session)


async def deleted_here(session: AsyncSession, post_id: int) -> None:
    """Deleted here: not sent yet, it never goes; sent, it is deleted on their server too."""
    await withdraw(session, MastodonOutgoing, post_id, waker)


def register(steps: Steps) -> None:
    steps.add(WriteStep("bridges.mastodon.out", check=check_out, deleted=deleted_here))
