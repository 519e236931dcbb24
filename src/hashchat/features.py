"""The features' registrations, made once per process before anything is written.

Lower layers never import higher ones (docs/architecture.md, tests/test_layers.py): when
writing a post must also judge it by a chat room's rules, place it in a session or keep its
poll, the feature registers a step that the write path runs (posts/steps.py). This is the one
place that knows every feature; the entry points (``Runtime``, the CLI's commands, the demo
seeder) call :func:`install`.
"""

from __future__ import annotations

from hashchat.posts.steps import steps


def install() -> None:
    """Register every feature's write steps and Status parts (safe to call again)."""
    if steps.installed:
        return
    from hashchat.hosting import posting

    posting.register(steps)
    steps.installed = True
