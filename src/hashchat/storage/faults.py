"""What a failure of the storage under us means for the request that met it.

A database that cannot be reached, a connection terminated mid-transaction, a pool with no free
connection, a server shutting down, a lock held too long: the request's transaction rolled back
(or, if the connection broke during COMMIT, its outcome is unknown to us) and the same request may
succeed in a moment, so it is answered 503 with ``Retry-After``. A full disk is 507. Anything
else is a defect: a 500, as JSON in the API.
"""

from __future__ import annotations

import errno

import sqlalchemy.exc

from hashchat.errors import StorageFull, Unavailable

# SQLSTATE classes and codes (PostgreSQL's appendix A) that say "not now", not "never".
TRANSIENT_CLASSES = ("08", "53", "57", "40")  # connection, resources, operator, rollback
DISK_FULL = "53100"
SQLITE_FULL = ("database or disk is full",)
SQLITE_TRANSIENT = ("database is locked", "disk i/o error", "unable to open database")


def _sqlstate(exc: BaseException) -> str | None:
    for candidate in (exc, getattr(exc, "orig", None), getattr(exc, "__cause__", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str):
            return code
    return None


def classify(exc: BaseException) -> Unavailable | None:
    """The answer for a storage failure, or None when ``exc`` is not one."""
    if isinstance(exc, Unavailable):
        return exc
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return StorageFull("the server's disk is full; try again later")
    text = str(exc).lower()
    code = _sqlstate(exc)
    if code == DISK_FULL or any(words in text for words in SQLITE_FULL):
        return StorageFull("the server's disk is full; try again later")
    if code is not None and code[:2] in TRANSIENT_CLASSES:
        return Unavailable("the database is unavailable; try again in a few seconds")
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return Unavailable("the connection to the database was lost; try again")
    if isinstance(
        exc,
        sqlalchemy.exc.OperationalError
        | sqlalchemy.exc.InterfaceError
        | sqlalchemy.exc.DisconnectionError
        | sqlalchemy.exc.TimeoutError,
    ):
        return Unavailable("the database is unavailable; try again in a few seconds")
    if any(words in text for words in SQLITE_TRANSIENT):
        return Unavailable("the database is busy; try again in a few seconds")
    if isinstance(exc, ConnectionError | TimeoutError):
        return Unavailable("the database cannot be reached; try again in a few seconds")
    name = type(exc).__module__
    if name.startswith("asyncpg") and "Connection" in type(exc).__name__:
        return Unavailable("the connection to the database was lost; try again")
    return None
