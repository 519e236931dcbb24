"""The write step every bridge's posting out shares: a draft asking for ``bridges`` names only
networks hashchat posts to (each network's own step judges the rest: a linked account, the
length there). A name may carry a choice after a colon (``mastodon:unlisted``). Lifted from the
Bluesky bridge when Mastodon came."""

from __future__ import annotations

from hashchat.bridges.linked import NETWORKS
from hashchat.errors import Invalid
from hashchat.posts.steps import Batch, Steps, Then, WriteStep


async def check_names(batch: Batch) -> Then | None:
    for i in list(batch.going):
        names = batch.drafts[i].bridges
        unknown = [name for name in names if name.split(":", 1)[0] not in NETWORKS]
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
