"""toot (its CLI, from PyPI, unchanged) runs the apps' story against a live hashchat: log in with
email and password, post, read a tag timeline page by page (``--max-id`` from the last page),
follow, whois and following (which look people up through search), get notified of a reply,
search. toot has no edit command and streams only in its TUI, so those parts are the other
libraries' (README: "Mastodon apps")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.clients.conftest import PASSWORD, sign_up
from tests.liveserver import LiveServer

TOOT = Path(sys.executable).with_name("toot")


@pytest.fixture(scope="module")
def toot(story_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Any:
    if not TOOT.exists():
        pytest.fail("toot is not installed: pip install -e '.[dev]'", pytrace=False)
    config = tmp_path_factory.mktemp("toot-config")
    env = {**os.environ, "XDG_CONFIG_HOME": str(config), "NO_COLOR": "1"}

    def run(*args: str, input: str | None = None, ok: bool = True) -> str:
        done = subprocess.run(
            [str(TOOT), *args], env=env, capture_output=True, text=True, input=input, timeout=60
        )
        if ok:
            assert done.returncode == 0, f"toot {args}: {done.stdout}\n{done.stderr}"
        return done.stdout

    return run


def test_the_story_with_toot(story_server: LiveServer, toot: Any) -> None:
    for handle in ("tootmaya", "tootkai"):
        sign_up(story_server, handle)
    host = story_server.url.split("//")[1]
    for handle in ("tootmaya", "tootkai"):
        said = toot("login_cli", "--instance", story_server.url, "--email",
                    f"{handle}@example.org", input=f"{PASSWORD}\n")  # fmt: skip
        assert "Successfully logged in" in said
    maya, kai = ("--as", f"tootmaya@{host}"), ("--as", f"tootkai@{host}")
    assert "@tootkai" in toot(*kai, "whoami")

    question = toot(*maya, "post", "Q1: what are you reading? #TootStory", "--json")
    question_id = json.loads(question)["id"]
    for i in range(3):
        toot(*kai, "post", f"A1: book {i} #tootstory")

    # The tag timeline, two at a time: toot pages with the last id it saw.
    seen: list[str] = []
    max_id: list[str] = []
    while True:
        page = json.loads(
            toot(
                *kai,
                "timelines",
                "tag",
                "tootstory",
                "--limit",
                "2",
                "--no-pager",
                "--json",
                *max_id,
            )
        )
        if not page:
            break
        seen += [s["content"] for s in page]
        max_id = ["--max-id", page[-1]["id"]]
    assert len(seen) == 4 and "Q1: what are you reading?" in seen[-1]

    # People are looked up through search: follow, whois, following.
    assert "tootmaya" in toot(*kai, "whois", "tootmaya")
    toot(*kai, "follow", "tootmaya")
    assert "@tootmaya" in toot(*kai, "following", "tootkai")
    found = toot(*kai, "search", "tootmaya")
    assert "@tootmaya" in found

    # Maya replies to kai: toot shows the mention (it printed "Unknown notification type").
    kai_posts = json.loads(toot(*kai, "timelines", "account", "tootkai", "--no-pager", "--json"))
    toot(*maya, "post", "Good choice @tootkai", "--reply-to", kai_posts[0]["id"])
    told = toot(*kai, "notifications")
    assert "tootmaya" in told and "Good choice" in told and "Unknown" not in told
    followed = toot(*maya, "notifications")
    assert "@tootkai now follows you" in followed
    assert question_id
