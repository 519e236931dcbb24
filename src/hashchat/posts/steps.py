"""What other features do when posts are written, registered at start-up.

The write path (posts/batch.py, and reposts in posts/service.py) knows nothing of chats, rooms
or bridges: it runs the steps that those features register here (``hashchat/features.py`` does
it once per process, before anything is written), the way jobs/ runs the reconciler's steps.
So posts/ imports nothing above it, and a new feature joins the write path by adding a step.

A step runs inside the transaction that writes the posts, once per *batch* (never once per
post: the write path is a group commit, and its cost per post must stay flat):

- ``check`` before any row is written: it may refuse drafts (each refused draft fails alone
  with its own error) and may return a follow-up, run once the rows are in;
- ``after`` once the posts' rows and ``update`` events are written (placing them in sessions,
  ...); every step's follow-up and ``after`` run in the order the steps were registered, so
  the events they record follow the posts' own;
- ``check_repost`` the same for a repost, before it is written (raise to refuse it);
- ``after_like`` once a like is written, ``after_edit`` once an edit is (posts/editing.py),
  in the same transaction (notifications: the author hears of a like, reposters of an edit).

A :class:`StatusPart` is a field of the Status entity that another feature keeps (Mastodon's
``poll``): written with its post, loaded for a page of posts in one query.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.errors import DomainError

if TYPE_CHECKING:
    from hashchat.posts.batch import Created, Draft


@dataclass(slots=True)
class Batch:
    """The posts being written in one transaction, as the steps see them."""

    session: AsyncSession
    drafts: Sequence[Draft]
    now: datetime
    going: list[int]  # indexes of the drafts still going ahead, in order
    results: list[Created | DomainError | None]  # one per draft, filled as they are decided

    def refuse(self, index: int, error: DomainError) -> None:
        """Draft ``index`` fails with ``error``; the others go ahead."""
        self.results[index] = error
        if index in self.going:
            self.going.remove(index)

    def created(self) -> list[Created]:
        """The posts written (after the rows are in), in draft order."""
        from hashchat.posts.batch import Created

        return [r for r in self.results if isinstance(r, Created)]


@dataclass(slots=True)
class Repost:
    """A repost about to be written: who reposts, and the hashtags of what is reposted."""

    session: AsyncSession
    author_id: int
    tag_keys: list[str]
    now: datetime
    id: int = 0  # set once written, before the follow-ups run
    original_id: int = 0  # the post reposted, and its author
    original_account_id: int = 0


@dataclass(slots=True)
class Like:
    """A like just written: who liked which post, whose post it is, and its Status entity
    (without viewer-specific fields)."""

    session: AsyncSession
    account_id: int
    post_id: int
    post_account_id: int
    status: dict[str, Any]
    now: datetime


@dataclass(slots=True)
class Edit:
    """An edit just written: the post's id, its author, its Status entity as edited, and the
    people it mentions now and did not before."""

    session: AsyncSession
    post_id: int
    account_id: int
    status: dict[str, Any]
    now: datetime
    newly_mentioned: tuple[int, ...] = ()


Then = Callable[[Batch], Awaitable[None]]
RepostThen = Callable[[Repost], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class WriteStep:
    name: str
    check: Callable[[Batch], Awaitable[Then | None]] | None = None
    after: Then | None = None
    check_repost: Callable[[Repost], Awaitable[RepostThen | None]] | None = None
    # Its author (or an admin) deleted a post here, in the transaction that deletes it (a
    # post gone at its origin is removed by the bridge, and does not run this).
    deleted: Callable[[AsyncSession, int], Awaitable[None]] | None = None
    after_like: Callable[[Like], Awaitable[None]] | None = None
    after_edit: Callable[[Edit], Awaitable[None]] | None = None


@dataclass(frozen=True, slots=True)
class StatusPart:
    """A field of the Status entity kept by another feature (``name``: Mastodon's key)."""

    name: str
    # Write ``value`` (checked by the API) for the post ``post_id``; answer the field's value.
    write: Callable[[AsyncSession, Any, int, list[str], datetime], Awaitable[Any]]
    # The field's values by post id for the posts that have one (``viewer_id``: who reads).
    load: Callable[[AsyncSession, Collection[int], int | None], Awaitable[dict[int, Any]]]


@dataclass(slots=True)
class Steps:
    """The registered steps and parts of one process."""

    write: list[WriteStep] = field(default_factory=list)
    parts: dict[str, StatusPart] = field(default_factory=dict)
    installed: bool = False

    def add(self, step: WriteStep) -> None:
        if any(s.name == step.name for s in self.write):
            raise ValueError(f"the write step {step.name} is registered twice")
        self.write.append(step)

    def add_part(self, part: StatusPart) -> None:
        if part.name in self.parts:
            raise ValueError(f"the Status field {part.name} is registered twice")
        self.parts[part.name] = part

    def ready(self) -> Steps:
        """These steps, once the features have registered theirs (else a loud error: a post
        written without them would silently skip its chat's rules and its session)."""
        if not self.installed:
            raise RuntimeError("hashchat.features.install() was not called before writing posts")
        return self


steps = Steps()
