"""The bridge tests' settings point hashchat's Bluesky identity resolution at the test
network's PLC directory and PDS (tests/pds): `.test` handles resolve nowhere else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hashchat.config import Settings, get_settings
from tests.conftest import _configure
from tests.pds import Network


@pytest.fixture
async def settings(
    database_url: str, session_dir: Path, atproto_network: Network
) -> AsyncIterator[Settings]:
    yield _configure(
        session_dir,
        database_url,
        bluesky_plc_url=atproto_network.plc,
        bluesky_handle_resolver=atproto_network.pds,
        bluesky_timeout="10",
    )
    get_settings.cache_clear()
