"""Mastodon's poll on a new status, as the statuses API takes it: its parameters gathered from
JSON or a form, and checked. What a poll becomes once written (its rows, votes, tallies and
events) is the hosting feature's (hosting/polls.py), reached through the write path's steps
(posts/steps.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hashchat.errors import Invalid

MIN_OPTIONS, MAX_OPTIONS, MAX_OPTION_CHARS = 2, 6, 50
MIN_EXPIRES, MAX_EXPIRES = 300, 2_629_746  # seconds: Mastodon's bounds (5 minutes, a month)
TRUE = ("true", "1", "on", "yes")
FALSE = ("false", "0", "off", "no", "")


@dataclass(frozen=True, slots=True)
class PollDraft:
    """A poll that passed its checks and waits to be written with its post."""

    options: tuple[str, ...]
    expires_in: int
    multiple: bool = False
    session_id: int | None = None


def poll_params(data: dict[str, Any]) -> dict[str, Any] | None:
    """Mastodon's poll parameters as one dict, from JSON (``{"poll": {...}}``) or a form
    (``poll[options][]``, ``poll[expires_in]``, ``poll[multiple]``); None when there is none."""
    nested = data.get("poll")
    found: dict[str, Any] = dict(nested) if isinstance(nested, dict) else {}
    if nested is not None and not isinstance(nested, dict):
        raise Invalid("poll is {options, expires_in, multiple}", field="poll")
    for key in [k for k in data if k.startswith("poll[") and k.endswith("]")]:
        found[key[5:-1]] = data.pop(key)
    data.pop("poll", None)
    return found or None


def _flag(value: object, field: str) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if str(value).strip().lower() in TRUE:
        return True
    if str(value).strip().lower() in FALSE:
        return False
    raise Invalid(f"{field} is true or false", field=field)


def check_poll(raw: object, *, prefix: str = "poll") -> PollDraft:
    """The poll's options (2 to 6, each 1 to 50 characters, all different), its duration in
    seconds (5 minutes to a month) and whether it takes several choices. Errors name the field
    (``poll[options]``, or ``options`` with ``prefix=""``)."""

    def name(key: str) -> str:
        return f"{prefix}[{key}]" if prefix else key

    if not isinstance(raw, dict):
        raise Invalid("a poll is {options, expires_in, multiple}", field=prefix or "options")
    options = raw.get("options")
    if isinstance(options, str):
        options = [options]
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise Invalid("options is a list of texts", field=name("options"))
    titles = tuple(" ".join(o.split()) for o in options)
    if not MIN_OPTIONS <= len(titles) <= MAX_OPTIONS:
        raise Invalid(
            f"a poll has {MIN_OPTIONS} to {MAX_OPTIONS} options, not {len(titles)}",
            field=name("options"),
        )
    for title in titles:
        if not 1 <= len(title) <= MAX_OPTION_CHARS:
            raise Invalid(
                f"each option has 1 to {MAX_OPTION_CHARS} characters", field=name("options")
            )
    if len({t.casefold() for t in titles}) != len(titles):
        raise Invalid("the options must all be different", field=name("options"))
    expires = raw.get("expires_in")
    if isinstance(expires, bool):
        raise Invalid("expires_in is a number of seconds", field=name("expires_in"))
    try:
        seconds = int(str(expires).strip())
    except ValueError:
        raise Invalid("expires_in is a number of seconds", field=name("expires_in")) from None
    if not MIN_EXPIRES <= seconds <= MAX_EXPIRES:
        raise Invalid(
            f"a poll runs {MIN_EXPIRES} to {MAX_EXPIRES} seconds (5 minutes to a month)",
            field=name("expires_in"),
        )
    return PollDraft(titles, seconds, _flag(raw.get("multiple"), name("multiple")))
