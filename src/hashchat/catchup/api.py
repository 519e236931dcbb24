"""The catch-up API: what the signed-in person missed, and marking it read."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from hashchat.catchup import service
from hashchat.catchup.service import PostBrief
from hashchat.web.deps import ReadUser, RuntimeDep, SessionDep, WriteUser

router = APIRouter(tags=["catch-up"])


def _iso(value: Any) -> str:
    return str(value.isoformat().replace("+00:00", "Z"))


def _post(p: PostBrief) -> dict[str, Any]:
    return {"id": str(p.id), "url": p.url, "acct": p.handle, "content": str(p.content),
            "favourites_count": p.likes, "reblogs_count": p.reposts}  # fmt: skip


@router.get("/api/v1/catchup")
async def catchup(session: SessionDep, viewer: ReadUser) -> dict[str, Any]:
    """Sessions of the chats the person follows that ended since they last marked the catch-up
    read (or in the last 30 days), newest first."""
    found = await service.catch_up(session, viewer)
    return {
        "since": _iso(found.since),
        "marked": found.marked,
        "sessions": [
            {
                "session_id": str(d.session_id),
                "chat": d.hashtag,
                "topic": d.topic,
                "starts_at": _iso(d.starts_at),
                "ends_at": _iso(d.ends_at),
                "posts": d.posts,
                "participants": d.participants,
                "questions": [
                    {
                        "number": q.number,
                        "text": q.text,
                        "answers_count": q.answers_count,
                        "best_answers": [_post(a) for a in q.best],
                    }
                    for q in d.questions
                ],
                "most_reposted": [_post(p) for p in d.most_reposted],
                "suggestions": [
                    {
                        "acct": s.handle,
                        "url": s.url,
                        "posts": s.posts,
                        "talked_with": s.talked_with,
                        "followed_talked_with": s.followed_talked_with,
                    }
                    for s in d.suggestions
                ],
                "links": [{"url": link.url, "posts": link.posts} for link in d.links],
            }
            for d in found.sessions
        ],
    }


@router.post("/api/v1/catchup/seen")
async def seen(rt: RuntimeDep, viewer: WriteUser) -> dict[str, Any]:
    """Mark everything up to now read."""
    return {"seen_at": _iso(await service.mark_seen(db=rt.db, account_id=viewer.id))}
