"""A second hashchat as the remote Mastodon server: it speaks Mastodon's API, OAuth and
streaming, so the bridge is tested against a real server in another process. People on it
sign up through its pages (for the OAuth consent screen) and get a token to post with."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.liveserver import LiveServer

PASSWORD = "a long remote password"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def _hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


@dataclass
class RemotePerson:
    remote: Remote
    name: str
    web: httpx.Client
    token: str = ""

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return httpx.request(method, self.remote.url + path, headers=headers, timeout=10, **kwargs)

    def post(self, text: str, **fields: Any) -> dict[str, Any]:
        response = self.api("POST", "/api/v1/statuses", json={"status": text, **fields})
        assert response.status_code == 200, response.text
        status: dict[str, Any] = response.json()
        return status

    def revoke(self) -> None:
        """Revoke this person's token at the remote (as they would in its settings)."""
        assert self.remote._app is not None
        answer = httpx.post(
            f"{self.remote.url}/oauth/revoke",
            data={"client_id": self.remote._app[0], "client_secret": self.remote._app[1],
                  "token": self.token},
            timeout=10,
        )  # fmt: skip
        assert answer.status_code == 200, answer.text

    def new_token(self) -> str:
        self.token = self.remote.token_for(self.name)
        return self.token

    def authorize(self, url: str) -> str:
        """Consent on the remote's own page; answers where it sends the browser back (our
        callback, with the code)."""
        assert url.startswith(self.remote.url), url
        page = self.web.get(url)
        assert page.status_code == 200, page.text[:500]
        assert "Authorize" in page.text
        form = _hidden(page.text) | {"decision": "allow"}
        answer = self.web.post("/oauth/authorize", data=form)
        assert answer.status_code == 303, answer.text[:500]
        return str(answer.headers["location"])


@dataclass
class Remote:
    server: LiveServer
    people: dict[str, RemotePerson] = field(default_factory=dict)
    _app: tuple[str, str] | None = None

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def domain(self) -> str:
        return urlsplit(self.url).netloc

    def person(self, name: str) -> RemotePerson:
        """Someone on the remote, signed in there (cookie) and holding a token."""
        if name in self.people:
            return self.people[name]
        web = httpx.Client(base_url=self.url, timeout=10)
        page = web.get("/signup")
        made = web.post(
            "/signup",
            data={"username": name, "password": PASSWORD, "csrf_token": _csrf(page.text)},
        )
        assert made.status_code == 303, made.text[:800]
        if self._app is None:
            app = httpx.post(
                f"{self.url}/api/v1/apps",
                data={"client_name": "remote-test", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                      "scopes": "read write"},
                timeout=10,
            ).json()  # fmt: skip
            self._app = (app["client_id"], app["client_secret"])
        person = self.people[name] = RemotePerson(self, name, web, self.token_for(name))
        return person

    def token_for(self, name: str) -> str:
        assert self._app is not None
        answer = httpx.post(
            f"{self.url}/oauth/token",
            data={"grant_type": "password", "username": name, "password": PASSWORD,
                  "client_id": self._app[0], "client_secret": self._app[1],
                  "scope": "read write"},
            timeout=10,
        )  # fmt: skip
        token: str = answer.json()["access_token"]
        return token
