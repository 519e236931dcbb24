"""Posts and their relations. Replies, reposts and likes point at posts; no text is copied."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hashchat.storage.base import Base, BigId, UTCDateTime, utcnow


class Tag(Base):
    """A hashtag. ``key`` is the NFKC-casefolded form that matching uses; ``name`` is the first
    spelling seen, used where no post's own spelling is at hand."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(140))
    key: Mapped[str] = mapped_column(String(140), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_account", "account_id", "id"),
        Index("ix_posts_conversation", "conversation_id", "id"),
        Index("ix_posts_reply", "in_reply_to_id"),
        # One repost per person per post; NULLs (ordinary posts) never collide.
        Index("uq_posts_reblog", "reblog_of_id", "account_id", unique=True),
        # A post from another network is stored once (NULLs, posts made here, never collide).
        Index("uq_posts_origin_uri", "origin_uri", unique=True),
    )

    # Not auto-incremented: taken from the shared event counter (storage/sequence.py), so that a
    # post's id is also the position of its "update" event in every stream.
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    content_html: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(16))
    in_reply_to_id: Mapped[int | None] = mapped_column(BigInteger)
    in_reply_to_account_id: Mapped[int | None] = mapped_column(BigInteger)
    conversation_id: Mapped[int] = mapped_column(BigInteger)  # the thread's root post
    reblog_of_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replies_count: Mapped[int] = mapped_column(Integer, default=0)
    reblogs_count: Mapped[int] = mapped_column(Integer, default=0)
    favourites_count: Mapped[int] = mapped_column(Integer, default=0)
    # A post from another network (bridges/): the network, the post's own URI there (an at://
    # URI, an ActivityPub id) and its web address. None for a post made here, unless it was
    # also posted out (then ``origin_uri`` is what came back, so it is not stored twice).
    origin: Mapped[str | None] = mapped_column(String(16))
    origin_uri: Mapped[str | None] = mapped_column(String(512))
    origin_url: Mapped[str | None] = mapped_column(String(512))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last edit (editing.py)


class PostEdit(Base):
    """One version of an edited post, oldest first: the original is kept as the first version
    when the post is first edited, so the history shows every text it had (Mastodon's
    StatusEdit)."""

    __tablename__ = "post_edits"
    __table_args__ = (Index("ix_post_edits_post", "post_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    post_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("posts.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    content_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Pin(Base):
    """A post its author pinned to their profile (Mastodon's pinned statuses)."""

    __tablename__ = "pins"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Bookmark(Base):
    """A post a person kept for later; only they see it."""

    __tablename__ = "bookmarks"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostTag(Base):
    """Which hashtags a post carries, as written in it. Reposts are listed under the tags of the
    post they repeat (``reblog`` true), so a live room can show or hide them."""

    __tablename__ = "post_tags"
    __table_args__ = (Index("ix_post_tags_post", "post_id"),)

    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(140))  # the spelling in this post
    reblog: Mapped[bool] = mapped_column(Boolean, default=False)


class Mention(Base):
    __tablename__ = "mentions"

    post_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Favourite(Base):
    __tablename__ = "favourites"

    post_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostKey(Base):
    """An ``Idempotency-Key`` a client sent with a post (Mastodon's header): the same key from
    the same account within :data:`hashchat.posts.keys.KEEP` answers the post it made instead
    of posting again, so a client may retry a post whose answer it never got."""

    __tablename__ = "post_keys"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    post_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
