"""What other features do when one person follows another, registered at start-up (as the
write path's steps are: posts/steps.py). accounts/ knows nothing of notifications: the
notifications feature registers a step here, run inside the follow's transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(slots=True)
class Followed:
    """A follow just written."""

    session: AsyncSession
    follower_id: int
    followee_id: int
    now: datetime


FollowStep = Callable[[Followed], Awaitable[None]]


@dataclass(slots=True)
class AccountSteps:
    followed: dict[str, FollowStep] = field(default_factory=dict)

    def on_follow(self, name: str, step: FollowStep) -> None:
        if name in self.followed:
            raise ValueError(f"the follow step {name} is registered twice")
        self.followed[name] = step


account_steps = AccountSteps()
