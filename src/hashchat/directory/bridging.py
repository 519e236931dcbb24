"""What a bridge (bridges/, a layer above) registers with the directory, so that a chat's
``bridges`` can name its servers and be checked without the directory knowing any network:

- ``targets``: a network whose bridge names a place (``mastodon:https://server``) gives the
  function that reads that place (normalised, or Invalid on ``bridges``);
- ``checks``: run in the transaction that lists or edits a chat, once its fields and hosts are
  written: each may refuse the change (Invalid on ``bridges``), and nothing is written.

``hashchat/features.py`` registers them once per process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from hashchat.directory.models import Chat

Target = Callable[[str], str]
ChatCheck = Callable[[AsyncSession, Chat], Awaitable[None]]

targets: dict[str, Target] = {}
checks: list[ChatCheck] = []


async def run_checks(session: AsyncSession, chat: Chat) -> None:
    for check in checks:
        await check(session, chat)
