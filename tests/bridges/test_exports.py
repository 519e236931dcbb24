"""Bridged posts in a session's transcript: marked with their network and link in the exports,
left out when the hosts say so, gone when deleted on Bluesky."""

from __future__ import annotations

import httpx
from sqlalchemy import update

from hashchat.accounts.models import Account
from hashchat.bridges import remote
from hashchat.directory.models import Chat
from hashchat.hosting import questions
from hashchat.hosting.models import ChatSession
from hashchat.storage.engine import Database
from tests.bridges.conftest import Store, bluesky_post
from tests.hosting.conftest import MakeSession


async def test_bridged_answers_in_exports_marked_left_out_on_request_and_deleted(
    client: httpx.AsyncClient,
    db: Database,
    store: Store,
    chat: Chat,
    host: Account,
    make_session: MakeSession,
) -> None:
    live: ChatSession = await make_session()
    await questions.ask_now(db=db, actor=host, session_id=live.id, text="Favourite tea?")
    answer = bluesky_post("A1: oolong #HostChat", rkey="t1")
    await store(answer)
    url = f"/chats/HostChat/sessions/{live.id}/transcript.json"

    def answers(body: dict[str, object]) -> list[dict[str, object]]:
        return body["questions"][0]["answers"]  # type: ignore[index,no-any-return]

    got = answers((await client.get(url)).json())
    assert [a["text"] for a in got] == ["A1: oolong #HostChat"]
    assert got[0]["origin"] == {"network": "bluesky", "uri": answer.uri, "url": answer.url}
    assert got[0]["url"] == answer.url

    async with db.write() as session:
        await session.execute(
            update(Chat).where(Chat.id == chat.id).values(bridged_in_exports=False)
        )
    assert answers((await client.get(url)).json()) == []
    async with db.write() as session:
        await session.execute(
            update(Chat).where(Chat.id == chat.id).values(bridged_in_exports=True)
        )
        await remote.remove(session, [answer.uri])
    assert answers((await client.get(url)).json()) == []
    markdown = (await client.get(url.replace(".json", ".md"))).text
    assert "oolong" not in markdown
