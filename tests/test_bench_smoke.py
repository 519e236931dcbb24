"""A smoke run of the benchmark harness at tiny sizes against hashchat alone: the load generator
builds, reaches the server, and the figures it reports add up. Performance is never asserted
here; this only keeps `make bench` from rotting (`make bench-smoke` runs this file)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.services import missing

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # benchmarks/ is beside src/, not an installed package

pytestmark = pytest.mark.slow


from dataclasses import replace  # noqa: E402

from benchmarks import report, scenarios  # noqa: E402
from benchmarks.systems import HASHCHAT as PRODUCT  # noqa: E402

# Counting every delivery needs every post accepted: on a loaded test machine the overload
# bounds (their own test below) could refuse some.
HASHCHAT = replace(PRODUCT, env=(("HASHCHAT_WRITE_QUEUE_AGE_MS", "60000"),
                                 ("HASHCHAT_WRITE_LOOP_LAG_MS", "60000")))  # fmt: skip


@pytest.fixture(autouse=True)
def _compiler() -> None:
    if shutil.which("gcc") is None:  # `make services` installs it; in CI its absence fails
        missing("gcc (it builds the benchmark's load generator)")


def assert_all_delivered(row: dict[str, object]) -> None:
    assert not row.get("error"), row
    assert row["posts_ok"] == row["posts_sent"] > 0, row
    assert row["delivered"] == row["expected"] > 0, row
    assert row["lost"] == 0 and row["duplicates"] == 0 and row["disconnects"] == 0, row
    assert 0 < row["p50_ms"] <= row["p99_ms"] <= row["max_ms"], row  # type: ignore[operator]


def test_hot_tag_and_many_chats_count_every_delivery(tmp_path: Path) -> None:
    with HASHCHAT.serve() as running:
        hot = scenarios.fanout(running, tmp_path / "hot", viewers=30, rate=20, seconds=1)
        many = scenarios.fanout(running, tmp_path / "many", viewers=40, rate=20, seconds=1, tags=4)
    assert_all_delivered(hot)
    assert hot["expected"] == hot["posts_ok"] * 30
    assert_all_delivered(many)
    assert many["expected"] == many["posts_ok"] * 10  # each post reaches its own tag's viewers
    assert "deliveries/s" in report.one_line({"system": "hashchat", "scenario": "hot", **hot})


def test_write_path_resume_storm_and_idle_cost(tmp_path: Path) -> None:
    with HASHCHAT.serve() as running:
        write = scenarios.write(running, tmp_path / "write", conns=4, seconds=1)
        resume = scenarios.resume(running, tmp_path / "resume", viewers=30, away=8)
        idle = scenarios.idle(running, tmp_path / "idle", viewers=30)
    assert write["posts_ok"] == write["posts_sent"] > 0 and write["post_errors"] == 0, write
    assert write["posts_per_s"] > 0
    assert resume["caught_up"] == 30 and resume["not_caught_up"] == 0, resume
    assert resume["live_after"] == 30, resume
    assert resume["duplicates"] == 0, resume
    assert idle["opened"] == 30 and idle["kib_per_viewer"] > 0, idle


def test_the_overload_scenario_accounts_for_every_post(tmp_path: Path) -> None:
    with PRODUCT.serve() as running:  # the bounds at their defaults
        row = scenarios.overload(running, tmp_path / "over", capacity=10, multiple=3,
                                 viewers=10, tags=2, seconds=1, pub_conns=8)  # fmt: skip
    assert row["posts_sent"] == row["posts_ok"] + row["refused"] > 0, row
    assert row["post_errors"] == 0, "refusals (503) are counted apart from errors"
    assert row["lost"] == 0 and row["duplicates"] == 0, row
    assert "refused" in report.one_line({"system": "hashchat", "scenario": "overload", **row,
                                         "what": "3x"})  # fmt: skip


def test_the_bluesky_reader_benchmark_keeps_the_same_posts_as_the_sdk() -> None:
    from benchmarks import bluesky

    made = bluesky.events(2_000)
    v1, v2 = bluesky.frames_v1(made), bluesky.frames_v2(made)
    ours = bluesky.measure(v1, bluesky.hashchat_reader(bluesky.V1()), 1)
    ours_v2 = bluesky.measure(v2, bluesky.hashchat_reader(bluesky.V2()), 1)
    sdk = bluesky.measure(v2, bluesky.sdk_reader, 1)
    assert ours[1] == ours_v2[1] == sdk[1] == 20  # 1 % of 2,000, the same posts on each side
