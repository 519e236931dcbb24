"""The process's runtime (runtime.py): what it does for the whole process once it starts."""

from __future__ import annotations

import gc

from hashchat.app import create_app
from hashchat.config import Settings


async def test_once_started_what_is_loaded_is_out_of_the_collectors_sight(
    settings: Settings,
) -> None:
    """Full collections scan only what came after the start (they had grown to 100 ms pauses
    under a hot room's load)."""
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() > 10_000
