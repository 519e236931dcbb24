"""masto.js and megalodon (npm, unchanged, pinned by tests/clients/package-lock.json, on Node 22
installed with them by scripts/services.sh) run the apps' story against a live hashchat: log
in, post, read a tag timeline page by page, stream, get notified of a reply, search, edit."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.clients.conftest import PASSWORD
from tests.liveserver import LiveServer
from tests.services import missing

HERE = Path(__file__).resolve().parent


def node() -> Path:
    found = sorted((HERE / "node_modules").glob("node-linux-*/bin/node"))
    if not found or not (HERE / "node_modules" / "megalodon").exists():
        missing("Node 22 and the JavaScript clients (tests/clients: run `make services`)")
    return found[0]


def run_story(script: str, server: LiveServer) -> dict[str, Any]:
    done = subprocess.run(
        [str(node()), str(HERE / script), server.url, PASSWORD],
        capture_output=True, text=True, timeout=120, cwd=HERE,
    )  # fmt: skip
    assert done.returncode == 0, f"{script} failed:\n{done.stdout}\n{done.stderr}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_story_with_masto_js(story_server: LiveServer) -> None:
    seen = run_story("masto_story.mjs", story_server)
    assert seen["me"] == "kai"
    assert seen["streamingUrl"].startswith("ws://127.0.0.1")
    assert "Q1: what are you reading?" in seen["streamed"]
    assert [i for page in seen["pages"] for i in page] == seen["expectedOrder"]
    assert [len(p) for p in seen["pages"] if p] == [2, 2]  # (then an empty page: the end)
    told = seen["streamedNotification"]
    assert told["type"] == "mention" and told["status"] == told["reply"]
    assert seen["notifications"][0] == ["mention", "maya", told["reply"]]
    assert seen["searchAccounts"] == ["maya"] and seen["searchHashtags"] == ["MastoStory"]
    assert seen["searchStatuses"] == [seen["answerIds"][1]]
    assert seen["editedAt"] and len(seen["history"]) == 2
    assert seen["source"] == "A1: Emma, finished #mastostory"


def test_the_story_with_megalodon(story_server: LiveServer) -> None:
    seen = run_story("megalodon_story.mjs", story_server)
    assert seen["detected"] == "mastodon"  # through nodeinfo
    assert seen["me"] == "kai"
    assert seen["streamed"] == seen["questionId"]
    assert [i for page in seen["pages"] for i in page] == seen["expectedOrder"]
    assert [len(p) for p in seen["pages"]] == [2, 2]
    told = seen["streamedNotification"]
    assert told["type"] == "mention" and told["status"] == told["reply"]
    assert seen["notifications"][0] == ["mention", "maya"]
    assert seen["searchAccounts"] == ["maya"] and seen["searchHashtags"] == ["MegaStory"]
    assert seen["searchStatuses"] == [seen["answerIds"][2]]
    assert seen["editedAt"] and seen["source"] == "A1: Middlemarch, finished #megastory"
    assert seen["errors"] == []
