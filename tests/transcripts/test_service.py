"""The transcript's grouping: questions with their answers as threads (hashtag-less replies to
a question count as answers, replies hang under the answer they discuss, late answers are
marked), the chat in time order a page at a time, the people, the links and the polls."""

from __future__ import annotations

from hashchat.hosting.models import HiddenPost
from hashchat.posts import service as posts
from hashchat.storage.engine import Database
from hashchat.transcripts import service
from hashchat.transcripts.service import Entry
from tests.transcripts.conftest import Story


def authors(entries: list[Entry]) -> list[str]:
    return [e.status["account"]["acct"] for e in entries]


async def build(db: Database, story: Story, **kwargs: object) -> service.Transcript:
    async with db.read() as session:
        return await service.build_transcript(
            session,
            story.chat_session,
            story.chat,
            **kwargs,  # type: ignore[arg-type]
        )


async def test_answers_thread_under_their_questions_most_engaged_first(
    db: Database, story: Story
) -> None:
    transcript = await build(db, story)
    q1, q2 = transcript.threads
    assert (q1.question.number, q1.question.text) == (1, "What do you read <b>first</b>? #HostChat")
    assert q1.status is not None and q1.status["id"] == str(story.ids["q1"])
    # Ben's hashtag-less reply to Q1 is an answer, and the most engaged (3 likes, 1 repost);
    # Ana's has two replies under it; the late ones have nothing yet.
    assert authors(q1.answers) == ["ben", "ana", "dan", "eve"]
    assert [a.engagement for a in q1.answers] == [4, 2, 0, 0]
    assert (q1.answers_count, q1.late_count) == (4, 2)
    ana = q1.answers[1]
    assert authors(ana.replies) == ["cat"]  # the discussion hangs under the answer
    assert ana.replies[0].kind == "reply" and not ana.replies[0].late
    assert authors(q2.answers) == ["ana"] and q2.answers[0].status["text"].startswith("A2 -")


async def test_time_order_and_late_answers_after_the_session(db: Database, story: Story) -> None:
    q1 = (await build(db, story, order="time")).threads[0]
    assert authors(q1.answers) == ["ana", "ben", "dan", "eve"]
    late = {a.status["account"]["acct"]: a.late for a in q1.answers}
    assert late == {"ana": False, "ben": False, "dan": True, "eve": True}
    # Eve's "A1: ..." replies to Ana's answer, yet is an answer of its own, not a reply.
    eve = q1.answers[3]
    assert eve.kind == "answer" and eve.status["in_reply_to_id"] == str(story.ids["ana"])


async def test_an_answer_to_a_question_never_asked_stays_in_the_chat(
    db: Database, story: Story
) -> None:
    transcript = await build(db, story)
    assert [t.question.number for t in transcript.threads] == [1, 2]
    fay = next(e for e in transcript.lines if e.id == str(story.ids["fay"]))
    assert (fay.kind, fay.number, fay.late) == ("answer", 7, True)


async def test_the_chat_in_time_order_a_page_at_a_time(db: Database, story: Story) -> None:
    every = (await build(db, story, chat_limit=None)).lines
    order = ["hello", "q1", "ana", "ben", "cat", "link", "q2", "ana2", "dan", "eve", "fay"]
    assert [e.id for e in every] == [str(story.ids[k]) for k in order]
    assert [e.kind for e in every[:5]] == ["chat", "question", "answer", "answer", "reply"]
    first = await build(db, story, chat_limit=4)
    assert [e.id for e in first.lines] == [e.id for e in every[:4]]
    assert first.next_min_id == every[3].id
    second = await build(db, story, chat_limit=4, min_id=int(first.next_min_id))
    assert [e.id for e in second.lines] == [e.id for e in every[4:8]]
    last = await build(db, story, chat_limit=4, min_id=int(every[7].id))
    assert [e.id for e in last.lines] == [e.id for e in every[8:]] and last.next_min_id is None


async def test_people_links_and_counts(db: Database, story: Story) -> None:
    transcript = await build(db, story)
    counted = {p.account["acct"]: p.posts_count for p in transcript.participants}
    assert counted == {"hostess": 3, "ana": 2, "ben": 1, "cat": 1, "gus": 1, "dan": 1,
                       "eve": 1, "fay": 1}  # fmt: skip
    assert transcript.participants[0].account["acct"] == "hostess"  # most posts first
    assert transcript.posts_count == 11
    assert [(link.url, link.acct) for link in transcript.links] == [
        ("https://example.com/read?a=1&b=2", "gus")
    ]
    assert transcript.links[0].status_id == str(story.ids["link"])


async def test_deleted_and_hidden_posts_are_left_out(db: Database, story: Story) -> None:
    await posts.delete_post(db=db, actor=story.people["cat"], post_id=story.ids["cat"])
    async with db.write() as session:
        session.add(HiddenPost(chat_id=story.chat.id, post_id=story.ids["dan"], by_id=1))
    transcript = await build(db, story, order="time")
    q1 = transcript.threads[0]
    assert authors(q1.answers) == ["ana", "ben", "eve"] and q1.answers[0].replies == []
    shown = {e.id for e in transcript.lines}
    assert str(story.ids["cat"]) not in shown and str(story.ids["dan"]) not in shown
    assert "cat" not in {p.account["acct"] for p in transcript.participants}


async def test_a_reply_whose_answer_is_gone_leaves_the_thread_with_it(
    db: Database, story: Story
) -> None:
    await posts.delete_post(db=db, actor=story.people["ana"], post_id=story.ids["ana"])
    transcript = await build(db, story, order="time")
    assert authors(transcript.threads[0].answers) == ["ben", "dan", "eve"]
    cat = next(e for e in transcript.lines if e.id == str(story.ids["cat"]))
    assert (cat.kind, cat.number) == ("reply", 1)  # still in the chat


async def test_limits_a_page_puts_on_answers_and_replies(db: Database, story: Story) -> None:
    # A reply to Cat's reply hangs under Ana's answer too, after Cat's.
    deeper = await posts.create_post(
        db=db, author=story.people["gus"], text="novels, yes", in_reply_to_id=story.ids["cat"]
    )
    transcript = await build(db, story, order="time", answers_limit=2, replies_limit=1)
    q1 = transcript.threads[0]
    assert authors(q1.answers) == ["ana", "ben"] and q1.answers_count == 4
    assert authors(q1.answers[0].replies) == ["cat"] and q1.answers[0].replies_hidden == 1
    every = await build(db, story, order="time", replies_limit=None)
    assert [r.id for r in every.threads[0].answers[0].replies] == [
        str(story.ids["cat"]), str(deeper.id)]  # fmt: skip
    later = await build(db, story, order="time", answers_limit=2, answers_offset=2, number=1)
    assert [t.question.number for t in later.threads] == [1]
    assert authors(later.threads[0].answers) == ["dan", "eve"]
