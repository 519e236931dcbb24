"""Posting out to Bluesky, as a step of the write path (posts/steps.py; registered by
``hashchat/features.py``):

- ``check``: a draft asking for ``bridges: ["bluesky"]`` needs its author's linked Bluesky
  account and text within Bluesky's limits, or it fails alone with the reason on its field;
- then, once the posts are written (and placed in their sessions): each such post, and each
  question of a session whose chat is bridged to Bluesky when its author has a linked account
  (a host's scripted questions go out from the host's own account), is queued in the outbox
  with its record key, and the post takes its future at:// URI as ``origin_uri`` in the same
  transaction: when the record comes back through the ingest it is already here, once.

Nothing here waits on the network: the outbox is sent after the commit (outbox.py).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.bridges.bluesky import record
from hashchat.bridges.bluesky.outbox_model import OutgoingPost, waker
from hashchat.bridges.bluesky.tid import next_tid
from hashchat.bridges.linked import LinkedAccount
from hashchat.bridges.linking import linked_authors
from hashchat.bridges.outgoing import withdraw
from hashchat.directory.models import Chat
from hashchat.errors import Invalid
from hashchat.hosting.models import ChatSession, Question
from hashchat.posts.batch import Created
from hashchat.posts.models import Post
from hashchat.posts.steps import Batch, Steps, Then, WriteStep
from hashchat.storage.base import utcnow

NETWORK = "bluesky"


def post_uri(did: str, rkey: str) -> str:
    return f"at://{did}/{record.COLLECTION}/{rkey}"


async def check_out(batch: Batch) -> Then | None:
    authors = {batch.drafts[i].author_id for i in batch.going if batch.drafts[i].origin is None}
    asking = {batch.drafts[i].author_id for i in batch.going if NETWORK in batch.drafts[i].bridges}
    if not authors:
        return None
    authors = (authors & await linked_authors.get(batch.session, NETWORK)) | asking
    if not authors:
        return None  # nobody here has a link, nobody asks: no query
    rows = await batch.session.execute(
        select(LinkedAccount.account_id, LinkedAccount.id, LinkedAccount.remote_id).where(
            LinkedAccount.network == NETWORK, LinkedAccount.account_id.in_(authors)
        )
    )
    links = {account_id: (link_id, did) for account_id, link_id, did in rows}
    asked: dict[int, tuple[int, str]] = {}
    for i in list(batch.going):
        draft = batch.drafts[i]
        if NETWORK not in draft.bridges:
            continue  # another network's step judges it (bridges/outgoing.py: unknown names)
        if draft.author_id not in links:
            batch.refuse(
                i,
                Invalid(
                    "link your Bluesky account first (Settings › Linked accounts)",
                    field="bridges",
                ),
            )
        else:
            try:
                record.check_length(draft.text)
            except Invalid as error:
                batch.refuse(i, error)
                continue
            asked[i] = links[draft.author_id]
    if not links:
        return None

    async def queue(written: Batch) -> None:
        out: dict[int, tuple[int, str]] = {}
        for i, (link_id, did) in asked.items():
            result = written.results[i]
            if isinstance(result, Created):
                out[result.post.id] = (link_id, did)
        by_linked = {
            r.post.id: links[r.post.account_id]
            for r in written.created()
            if r.post.account_id in links and r.post.id not in out and r.post.origin is None
        }
        if by_linked:
            questions = await written.session.scalars(
                select(Question.post_id)
                .join(ChatSession, ChatSession.id == Question.session_id)
                .join(Chat, Chat.id == ChatSession.chat_id)
                .where(Question.post_id.in_(by_linked), Chat.bridges.contains(NETWORK))
            )
            for post_id in questions:
                if post_id is not None:
                    out[post_id] = by_linked[post_id]
        if out:
            await enqueue(written.session, out)

    return queue


async def enqueue(session: AsyncSession, out: dict[int, tuple[int, str]]) -> None:
    """Queue ``out`` (post id -> (link id, DID)) in ``session``'s transaction."""
    now = utcnow()
    rows = await session.execute(select(Post.id, Post.text).where(Post.id.in_(out)))
    texts: dict[int, str] = {post_id: text for post_id, text in rows}
    for post_id, (link_id, did) in out.items():
        rkey = next_tid()
        uri = post_uri(did, rkey)
        state, error = "waiting", ""
        try:
            record.check_length(texts.get(post_id, ""))
        except Invalid as too_long:  # a scripted question longer than Bluesky takes
            state, error = "failed", too_long.message
        session.add(
            OutgoingPost(
                post_id=post_id,
                link_id=link_id,
                rkey=rkey,
                uri=uri,
                state=state,
                error=error,
                next_attempt_at=now,
                created_at=now,
            )
        )
        if state == "waiting":
            await session.execute(update(Post).where(Post.id == post_id).values(origin_uri=uri))
    await session.flush()
    waker.after_commit(session)


async def deleted_here(session: AsyncSession, post_id: int) -> None:
    """Deleted here: not sent yet, it never goes; sent, its record on Bluesky is deleted."""
    await withdraw(session, OutgoingPost, post_id, waker)


def register(steps: Steps) -> None:
    steps.add(WriteStep("bridges.bluesky.out", check=check_out, deleted=deleted_here))
