"""Imports every model so that the metadata (and Alembic) sees all tables."""

from hashchat.accounts import models as accounts  # noqa: F401
from hashchat.posts import models as posts  # noqa: F401
from hashchat.realtime import models as realtime  # noqa: F401
from hashchat.storage import sequence  # noqa: F401
from hashchat.storage.base import Base

metadata = Base.metadata
