"""Domain errors. Services raise them; the web layer turns each into a 4xx answer that names the
field at fault (JSON in the API, a message beside the field in a form)."""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(DomainError):
    status = 422


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409

    def __init__(self, message: str, *, field: str | None = None, url: str | None = None) -> None:
        super().__init__(message, field=field)
        self.url = url


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class BadGateway(DomainError):
    """Another server we depend on (a Bluesky PDS, a PLC directory) did not answer usably."""

    status = 502


class RateLimited(DomainError):
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """Something the request needs (the database, the disk) cannot be used now: nothing was
    written; the same request may succeed after ``retry_after`` seconds."""

    status = 503

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StorageFull(Unavailable):
    """The disk under the database is full: nothing was written."""

    status = 507
