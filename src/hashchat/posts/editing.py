"""Editing a post (Mastodon's PUT /api/v1/statuses/:id), its source and its history.

An edit changes the post in place: its text, rendered HTML, hashtags and mentions, and
``edited_at``. Every version is kept (``post_edits``, the original saved as the first version at
the first edit), so the history shows what it said before. The edit sends ``status.update`` to
every stream of the post (its hashtags before and after), and runs the steps other features
registered for edits (posts/steps.py: reposters are notified). Nothing else moves: a post placed
in a chat session stays where it is, so an edited answer stays under its question. The write
path for new posts (batch.py) is not involved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hashchat import urls
from hashchat.accounts.models import Account
from hashchat.accounts.validation import handle_key
from hashchat.errors import Forbidden, Invalid, NotFound
from hashchat.parsing import find_id
from hashchat.posts.entities import gather, status_entity
from hashchat.posts.models import Mention, Post, PostEdit, PostTag
from hashchat.posts.service import (
    CheckedText,
    check_language,
    check_text,
    encode,
    post_streams,
    tag_keys_of,
)
from hashchat.posts.steps import Edit, steps
from hashchat.realtime.events import record
from hashchat.storage.base import utcnow
from hashchat.storage.engine import Database
from hashchat.storage.sequence import lock_ids
from hashchat.text import normalize_tag, render_html


@dataclass(frozen=True, slots=True)
class CheckedEdit:
    text: CheckedText
    language: str | None
    keep_language: bool


def check_edit(*, text: object, language: object = None, poll: object = None) -> CheckedEdit:
    """The edit's new text (checked as a new post's is) and language; Invalid naming the field.
    A poll cannot be changed once people may have voted."""
    if poll not in (None, "", {}):
        raise Invalid("a poll cannot be changed; delete the post and post it again", field="poll")
    return CheckedEdit(check_text(text), check_language(language), language in (None, ""))


async def _editable(session: AsyncSession, post_id: object, editor: Account) -> Post:
    key = find_id(post_id, field="id", message="Record not found")
    post = await session.scalar(select(Post).where(Post.id == key).with_for_update())
    if post is None or post.deleted_at is not None:
        raise NotFound("Record not found", field="id")
    if post.account_id != editor.id:
        raise Forbidden("only its author can edit a post")
    if post.reblog_of_id is not None:
        raise Invalid("a repost cannot be edited", field="id")
    return post


async def edit_post(
    *, db: Database, editor: Account, post_id: object, edit: CheckedEdit
) -> dict[str, Any]:
    """Apply ``edit`` (checked by :func:`check_edit`) to the editor's own post in one
    transaction; answers its new Status (without viewer-specific fields)."""
    async with db.write() as session:
        await lock_ids(session)  # before the post's row: the post writer's order (sequence.py)
        post = await _editable(session, post_id, editor)
        now = utcnow()
        versions = await session.scalar(select(PostEdit.id).where(PostEdit.post_id == post.id))
        if versions is None:  # the first edit keeps the original as the first version
            original = PostEdit(post_id=post.id, text=post.text, content_html=post.content_html)
            original.created_at = post.created_at
            session.add(original)
        old_keys = await tag_keys_of(session, post.id)
        entities = edit.text.entities
        handles = {handle_key(e.text) for e in entities if e.kind == "mention"}
        mentioned: dict[str, Account] = {}
        if handles:
            for account in await session.scalars(
                select(Account).where(Account.handle_key.in_(handles))
            ):
                mentioned[account.handle_key] = account

        def mention_url(handle: str) -> str | None:
            account = mentioned.get(handle_key(handle))
            return urls.profile(account.handle) if account else None

        html = render_html(edit.text.text, entities, tag_url=urls.tag, mention_url=mention_url)
        post.text = edit.text.text
        post.content_html = f"<p>{html}</p>"
        if not edit.keep_language:
            post.language = edit.language
        post.edited_at = now
        session.add(PostEdit(post_id=post.id, text=post.text, content_html=post.content_html,
                             created_at=now))  # fmt: skip
        await _retag(session, post, entities)
        before = set(
            await session.scalars(select(Mention.account_id).where(Mention.post_id == post.id))
        )
        await session.execute(delete(Mention).where(Mention.post_id == post.id))
        session.add_all(Mention(post_id=post.id, account_id=a.id) for a in mentioned.values())
        await session.flush()
        status = status_entity(post, await gather(session, [post]))
        new_keys = await tag_keys_of(session, post.id)
        await record(
            session,
            kind="status.update",
            payload=encode(status),
            streams=post_streams(post, list(dict.fromkeys([*old_keys, *new_keys]))),
        )
        newly = tuple(sorted({a.id for a in mentioned.values()} - before))
        edited = Edit(session, post.id, post.account_id, status, now, newly)
        for step in steps.ready().write:
            if step.after_edit is not None:
                await step.after_edit(edited)
    return status


async def _retag(session: AsyncSession, post: Post, entities: list[Any]) -> None:
    """The post's hashtags as the new text has them, and its reposts' with them (they are
    listed under the tags of what they repeat)."""
    from hashchat.posts.batch import TagCache

    names: dict[str, str] = {}
    for entity in entities:
        if entity.kind == "hashtag":
            names.setdefault(normalize_tag(entity.text), entity.text)
    ids = await TagCache().resolve(session, names) if names else {}
    reposts = list(
        await session.scalars(
            select(Post.id).where(Post.reblog_of_id == post.id, Post.deleted_at.is_(None))
        )
    )
    await session.execute(delete(PostTag).where(PostTag.post_id.in_([post.id, *reposts])))
    session.add_all(
        PostTag(tag_id=ids[key], post_id=post.id, name=name, reblog=False)
        for key, name in names.items()
    )
    session.add_all(
        PostTag(tag_id=ids[key], post_id=repost_id, name=name, reblog=True)
        for repost_id in reposts
        for key, name in names.items()
    )


async def history(session: AsyncSession, post: Post) -> list[dict[str, Any]]:
    """Mastodon's StatusEdit list, oldest first; a post never edited has one version."""
    related = await gather(session, [post])
    account = status_entity(post, related)["account"]
    rows = list(
        await session.scalars(
            select(PostEdit).where(PostEdit.post_id == post.id).order_by(PostEdit.id)
        )
    )
    versions = [(r.content_html, r.created_at) for r in rows] or [
        (post.content_html, post.created_at)
    ]
    from hashchat.accounts.entities import _iso

    return [
        {"content": content, "spoiler_text": "", "sensitive": False, "created_at": _iso(at),
         "account": account, "poll": None, "media_attachments": [], "emojis": []}
        for content, at in versions
    ]  # fmt: skip


def source(post: Post) -> dict[str, Any]:
    """What the author wrote, to edit it (Mastodon's StatusSource)."""
    return {"id": str(post.id), "text": post.text, "spoiler_text": ""}
