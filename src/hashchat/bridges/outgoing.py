"""The write step every bridge's posting out shares: a draft asking for ``bridges`` names only
networks hashchat posts to (each network's own step judges the rest: a linked account, the
length there). Lifted from the Bluesky bridge when Mastodon came."""

from __future__ import annotations

from hashchat.bridges.linked import NETWORKS
from hashchat.errors import Invalid
from hashchat.posts.steps import Batch, Steps, Then, WriteStep


async def check_names(batch: Batch) -> Then | None:
    for i in list(batch.going):
        unknown = [name for name in batch.drafts[i].bridges if name not in NETWORKS]
        if unknown:
            batch.refuse(
                i,
                Invalid(
                    f"no bridge to {unknown[0]}: only {' and '.join(NETWORKS)}", field="bridges"
                ),
            )
    return None


def register(steps: Steps) -> None:
    steps.add(WriteStep("bridges.names", check=check_names))
