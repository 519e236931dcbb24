"""Faults under load, with real processes: two hashchat servers on PostgreSQL, a Redis of the
test's own, viewers on both that reconnect as EventSource does, posts through both. Redis
killed and restarted, one of two Redis shards killed and restarted (posts over four hashtags,
two on each shard, every viewer following all four), Redis dropping the subscribers again and
again, a server killed: every viewer ends with exactly the committed posts, in order, each
once, and every post acknowledged is among them. The scenarios live in benchmarks/faults.py, which prints their figures at full
size for docs/benchmarks.md."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from benchmarks.faults import run_fault

from tests.conftest import _create_postgres_database
from tests.services import missing

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]


@pytest.mark.parametrize("fault", ["redis-kill", "pubsub-drop", "worker-kill", "shard-kill"])
async def test_every_viewer_ends_with_exactly_the_committed_posts(
    fault: str, tmp_path: Path
) -> None:
    if shutil.which("redis-server") is None:
        missing("Redis")
    url = await _create_postgres_database(f"hashchat_faults_{uuid.uuid4().hex[:8]}")
    outcome = await run_fault(
        fault, database_url=url, viewers=10, rate=30, seconds=6, outage=3, workdir=tmp_path
    )
    # Posts were written before and after the fault (how many depends on the machine's load:
    # at least a few on each side; a killed worker answers none during it).
    start, end = outcome.window
    answered = [when for _, when in outcome.acknowledged.values()]
    assert sum(w < start for w in answered) >= 5 and sum(w > end for w in answered) >= 5
    assert set(outcome.acknowledged) <= set(outcome.committed), "acknowledged is committed"
    assert outcome.unknown <= len(outcome.committed) - len(outcome.acknowledged) + outcome.unknown
    not_exact = outcome.exact()
    assert not not_exact, [
        (len(outcome.followers[i].ids), len(outcome.committed)) for i in not_exact
    ]
    if fault == "shard-kill":
        assert outcome.subscribed == [2, 2], "both processes on both shards' channels"
    if fault in ("redis-kill", "shard-kill"):
        # Posting went on through the outage, rate limits on (their counters live in that
        # Redis): every post was answered, and answered 200.
        assert outcome.unknown == 0
