"""Logging set-up. Access tokens never reach a log: Mastodon clients put them in the streaming
URL's query string, and the access log would otherwise print them."""

from __future__ import annotations

import logging
import re

_SECRET = re.compile(r"((?:access_token|token|code|client_secret)=)[^&\s\"']+", re.IGNORECASE)


def redact(text: str) -> str:
    return _SECRET.sub(r"\1[redacted]", text)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(str(record.msg))
        return True


def install() -> None:
    for name in ("uvicorn.access", "uvicorn.error", "hashchat"):
        logging.getLogger(name).addFilter(RedactSecrets())
