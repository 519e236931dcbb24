"""The browser's round trip through a Mastodon server's OAuth, shared by linking an account
(Settings › Linked accounts) and logging in with one (the log-in page): one redirect URI, so one
app per server; one sealed, HttpOnly cookie holding what the callback needs for ten minutes (the
state, the PKCE verifier, the server, and what the round trip is for); and the checks every
callback makes before its purpose's own. No table, nothing the browser can read, and no token
in a URL."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from hashchat.bridges.api import sealer_of
from hashchat.bridges.mastodon import oauth
from hashchat.bridges.signin import RoundTrip
from hashchat.errors import Invalid
from hashchat.web.forms import see_other

TRIP = RoundTrip(
    "hc_mastodon_oauth", "mastodon-oauth-request", "/bridges/mastodon/oauth", oauth.REQUEST_TTL
)
LINK, LOG_IN = "link", "login"


async def begin(rt: Any, server: str, *, purpose: str, **keep: Any) -> Response:
    """Send the browser to ``server`` to sign in and authorize hashchat; ``keep`` waits with the
    state for the callback (sealed). ``server`` has passed check_server."""
    url, pending = await oauth.start(rt.db, server, rt.settings, sealer_of(rt))
    return TRIP.keep(see_other(url), rt, pending | {"purpose": purpose, **keep})


def pending_of(request: Request, rt: Any) -> dict[str, Any]:
    """What :func:`begin` kept for this browser; {} when nothing (or nothing that opens)."""
    return TRIP.pending_of(request, rt)


def purpose_of(pending: dict[str, Any], *, signed_in: bool) -> str:
    """What the round trip was for. Without its cookie (gone, expired, or a replayed callback)
    a signed-in browser was linking, else logging in: either way the answer says to try again
    on the page it came from."""
    found = pending.get("purpose")
    if found in (LINK, LOG_IN):
        return str(found)
    return LINK if signed_in else LOG_IN


def check_return(pending: dict[str, Any], params: dict[str, str], *, doing: str) -> None:
    """Invalid when the server said no, or this callback is not one hashchat started here (the
    state itself is checked by oauth.finish)."""
    if params.get("error"):
        reason = params.get("error_description") or params["error"]
        raise Invalid(f"the server did not {doing}: {reason}", field="form")
    if not pending:
        raise Invalid("this sign-in is not the one hashchat started; try again", field="form")


def forget(response: Response) -> Response:
    """The callback's answer, with the cookie gone: a round trip is used once."""
    return TRIP.forget(response)
