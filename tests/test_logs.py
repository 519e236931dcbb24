"""No secret in a log: tokens in URLs are redacted from the access log."""

from __future__ import annotations

import logging

import pytest

from hashchat.logs import RedactSecrets, redact


def test_tokens_in_query_strings_are_redacted() -> None:
    line = "GET /api/v1/streaming?stream=user&access_token=abc123XYZ HTTP/1.1"
    assert redact(line) == "GET /api/v1/streaming?stream=user&access_token=[redacted] HTTP/1.1"
    assert (
        redact("/oauth/authorize?code=s3cret&state=1") == "/oauth/authorize?code=[redacted]&state=1"
    )


def test_the_access_log_filter_redacts_arguments(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.access")
    logger.addFilter(RedactSecrets())
    with caplog.at_level(logging.INFO, logger="test.access"):
        logger.info('%s - "%s %s"', "127.0.0.1", "GET", "/api/v1/streaming?access_token=topsecret")
    assert "topsecret" not in caplog.text
    assert "access_token=[redacted]" in caplog.text
