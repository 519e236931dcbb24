"""The features' registrations, made once per process before anything is written.

Lower layers never import higher ones (docs/architecture.md, tests/test_layers.py): when
writing a post must also judge it by a chat room's rules, place it in a session or keep its
poll, the feature registers a step that the write path runs (posts/steps.py). This is the one
place that knows every feature; the entry points (``Runtime``, the CLI's commands, the demo
seeder) call :func:`install`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from hashchat.posts.steps import steps

if TYPE_CHECKING:
    from hashchat.runtime import Runtime


def install() -> None:
    """Register every feature's write steps and Status parts (safe to call again)."""
    if steps.installed:
        return
    from hashchat.accounts.steps import account_steps
    from hashchat.apps import filters
    from hashchat.bridges import outgoing
    from hashchat.bridges.bluesky import posting as bluesky_posting
    from hashchat.bridges.mastodon import posting as mastodon_posting
    from hashchat.bridges.mastodon import watching
    from hashchat.hosting import posting
    from hashchat.notifications import posting as notifying

    watching.register()  # the directory reads chats' Mastodon servers through it
    posting.register(steps)
    outgoing.register(steps)  # refuses bridges to networks hashchat does not post to
    bluesky_posting.register(steps)  # after hosting's: it reads where posts were placed
    mastodon_posting.register(steps)  # the same
    notifying.register(steps, account_steps)  # after hosting's: its events follow the post's
    filters.register(steps)  # Status.filtered, for the person reading
    steps.installed = True


class Service(Protocol):
    def start(self) -> None: ...

    async def stop(self) -> None: ...


def services(runtime: Runtime) -> list[Service]:
    """The features' background work in ``hashchat serve`` (started with the reconciler)."""
    from hashchat.bridges.bluesky.outbox import Sender
    from hashchat.bridges.sealing import sealer_for

    sealer = sealer_for(runtime.secret_key, tuple(runtime.settings.previous_secret_keys))
    from hashchat.bridges.mastodon import outbox as mastodon_outbox

    found: list[Service] = [
        Sender(runtime.db, sealer, runtime.settings),
        mastodon_outbox.Sender(runtime.db, sealer),
    ]
    if runtime.settings.bridges:  # HASHCHAT_BRIDGES=false: `hashchat bridge` reads elsewhere
        from hashchat.bridges.bluesky.reader import readers_for
        from hashchat.bridges.mastodon.reader import Readers

        found += readers_for(runtime.db, runtime.settings)
        found.append(Readers(runtime.db, sealer, ttl=runtime.settings.bridge_lease_seconds))
    return found


def viewer_services(runtime: Runtime) -> list[Service]:
    """Background work of every process that serves viewers, whatever ``HASHCHAT_JOBS`` says:
    the rooms' "watching now" counts this process's open streams (live/presence.py)."""
    from hashchat.live.presence import Reporter

    return [Reporter(runtime.db, runtime.hub, interval=runtime.settings.presence_interval)]
