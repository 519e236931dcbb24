"""Imports every model so that the metadata (and Alembic) sees all tables."""

from hashchat.accounts import models as accounts  # noqa: F401
from hashchat.apps import models as apps  # noqa: F401
from hashchat.bridges import linked as bridges_linked  # noqa: F401
from hashchat.bridges import models as bridges  # noqa: F401
from hashchat.bridges.bluesky import outbox_model as bluesky_outbox  # noqa: F401
from hashchat.bridges.mastodon import models as mastodon  # noqa: F401
from hashchat.catchup import models as catchup  # noqa: F401
from hashchat.directory import models as directory  # noqa: F401
from hashchat.hosting import models as hosting  # noqa: F401
from hashchat.live import models as live  # noqa: F401
from hashchat.notifications import models as notifications  # noqa: F401
from hashchat.posts import models as posts  # noqa: F401
from hashchat.realtime import models as realtime  # noqa: F401
from hashchat.storage import sequence  # noqa: F401
from hashchat.storage.base import Base

metadata = Base.metadata

# Objects the migrations make that the models deliberately do not describe: full-text search
# (SQLite's FTS5 table ``chats_fts`` with its shadow tables, PostgreSQL's expression index
# ``ix_chats_search``), which SQLAlchemy's metadata cannot express. Autogenerate and the
# models-match test skip them instead of asking to drop them.
DATABASE_ONLY = ("chats_fts", "ix_chats_search")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name`` hook: False for the objects in ``DATABASE_ONLY``."""
    return not (name and name.startswith(DATABASE_ONLY))
