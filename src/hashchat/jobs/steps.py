"""The reconciler's steps, in the order each pass runs them. A feature with due work adds its
steps here (the hosting feature: sessions scheduled -> live -> ended, questions due)."""

from __future__ import annotations

from hashchat.jobs.reconciler import Step


def default_steps() -> list[Step]:
    from hashchat.directory.steps import STEPS as directory
    from hashchat.hosting.steps import STEPS as hosting
    from hashchat.notifications.steps import STEPS as notifications

    return [*directory, *hosting, *notifications]
