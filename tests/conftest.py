"""Fixtures shared by every test: a migrated database on SQLite *and* on a real PostgreSQL,
the application on top of it, an HTTP client, and factories for people and posts."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from hashchat import security
from hashchat.accounts import oauth
from hashchat.accounts import service as accounts
from hashchat.accounts.models import Account
from hashchat.config import Settings, get_settings
from hashchat.schema import metadata
from hashchat.storage.engine import Database
from hashchat.storage.migrate import upgrade
from tests.services import POSTGRES_URL, missing, port_open

BACKENDS = ["sqlite", "postgres"]

# The tests hash thousands of passwords: argon2id at a low cost (about 1 ms instead of 180 ms)
# keeps the suite minutes shorter. Only this test process: the servers that tests start as
# subprocesses, and hashchat itself, keep argon2-cffi's full cost.
security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadscope`` with the long modules handed out first (tests/scheduling.py)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from tests.scheduling import long_first_scheduler

    return long_first_scheduler(config, log)


async def _create_postgres_database(name: str) -> str:
    url = make_url(POSTGRES_URL)
    if not port_open(url.host or "127.0.0.1", url.port or 5432):
        missing("PostgreSQL")
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await _drop_database(conn, name)
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OSError:
        missing("PostgreSQL")
    finally:
        await admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


async def _drop_database(conn: Any, name: str) -> None:
    """DROP ... WITH (FORCE) as the test role. An autovacuum worker in the database is a
    backend the role may not terminate unless it holds pg_signal_backend (scripts/services.sh
    grants it); on a server set up otherwise, wait for the worker to finish instead."""
    for attempt in range(50):
        try:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError as error:
            if "pg_signal_backend" not in str(error.orig) or attempt == 49:
                raise
            await asyncio.sleep(0.2)


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hashchat")


# Databases this test process made, by backend. pytest sets a parametrised session fixture up
# again each time the tests switch backend; the database stays, and is made and migrated once.
_databases: dict[str, str] = {}


@pytest.fixture(scope="session", params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, session_dir: Path) -> str:
    """A migrated database, once per backend per test run."""
    backend: str = request.param
    if backend not in _databases:
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{session_dir / 'test.db'}"
        else:
            url = await _create_postgres_database(f"hashchat_test_{os.getpid()}")
        await asyncio.to_thread(upgrade, url)
        _databases[backend] = url
    return _databases[backend]


def _configure(data_dir: Path, url: str, **extra: str) -> Settings:
    os.environ["HASHCHAT_DATA_DIR"] = str(data_dir)
    os.environ["HASHCHAT_DATABASE_URL"] = url
    os.environ["HASHCHAT_BASE_URL"] = "http://testserver"
    os.environ["HASHCHAT_RATE_LIMITS"] = "false"
    os.environ["HASHCHAT_REDIS_URL"] = ""
    os.environ["HASHCHAT_SQLITE_SYNCHRONOUS"] = "NORMAL"  # durability has its own test
    os.environ["HASHCHAT_JOBS"] = "false"  # tests run the reconciler's passes by hand
    os.environ["HASHCHAT_BRIDGES"] = "false"  # tests start the bridges they need themselves
    # The overload bounds have their own tests (tests/posts/test_overload.py); elsewhere a
    # loaded test machine must not turn posts into 503s.
    os.environ["HASHCHAT_WRITE_QUEUE_AGE_MS"] = "60000"
    os.environ["HASHCHAT_WRITE_LOOP_LAG_MS"] = "60000"
    for key, value in extra.items():
        os.environ[f"HASHCHAT_{key.upper()}"] = value
    get_settings.cache_clear()
    return get_settings()


async def _empty(db: Database) -> None:
    """Delete every row (schema stays), and reset the id counter (other tables' own ids go on
    counting up, so no test may count on them)."""
    names = [t.name for t in reversed(metadata.sorted_tables) if t.name != "counters"]
    # DELETE, children first, on both databases: on PostgreSQL a TRUNCATE of fifty nearly empty
    # tables costs 180 ms, against 20 ms for the DELETEs, and it runs before every test.
    async with db.write() as session:
        for name in names:
            await session.execute(text(f'DELETE FROM "{name}"'))
        await session.execute(text("UPDATE counters SET value = 0"))


@pytest.fixture
async def settings(database_url: str, session_dir: Path) -> AsyncIterator[Settings]:
    yield _configure(session_dir, database_url)
    get_settings.cache_clear()


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    from hashchat.app import create_app

    application = create_app(settings)
    await _empty(application.state.runtime.db)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def db(app: Any) -> Database:
    database: Database = app.state.runtime.db
    return database


@pytest.fixture
def backend(db: Database) -> str:
    return "sqlite" if db.is_sqlite else "postgres"


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


MakeAccount = Callable[..., Awaitable[Account]]


@pytest.fixture
def make_account(db: Database) -> MakeAccount:
    counter = iter(range(1, 10_000))

    async def make(handle: str | None = None, **kwargs: Any) -> Account:
        return await accounts.create_account(
            db=db,
            handle=handle or f"person{next(counter)}",
            password=kwargs.pop("password", "correct horse battery"),
            **kwargs,
        )

    return make


@pytest.fixture
def token_for(db: Database) -> Callable[..., Awaitable[str]]:
    async def issue(account: Account, scopes: str = "read write follow") -> str:
        raw, _row = await oauth.issue_token(
            db=db, app_id=None, account_id=account.id, scopes=scopes
        )
        return raw

    return issue


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def csrf_from(html: str) -> str:
    marker = 'name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _collectable() -> Iterator[None]:
    """A started runtime freezes what the process holds (gc.freeze, runtime.py): a server
    keeps it all its life, but a test's app is gone after the test, so its garbage is made
    collectable again."""
    yield
    gc.unfreeze()


@pytest.fixture(autouse=True)
def _no_leaked_env() -> Iterator[None]:
    saved = {k: v for k, v in os.environ.items() if k.startswith("HASHCHAT_")}
    yield
    for key in [k for k in os.environ if k.startswith("HASHCHAT_")]:
        if key not in saved and key != "HASHCHAT_TEST_REQUIRE_SERVICES":
            del os.environ[key]
    os.environ.update(saved)


_live_counter = iter(range(1, 1_000_000))


def new_database(backend: str, directory: Path) -> str:
    """A fresh, empty database for a server subprocess (it migrates it itself)."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{directory / 'live.db'}"
    name = f"hashchat_live_{os.getpid()}_{next(_live_counter)}"
    return asyncio.run(_create_postgres_database(name))


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[Any]:
    """A `hashchat serve` subprocess on SQLite with a fresh database."""
    from tests.liveserver import LiveServer

    server = LiveServer(tmp_path, new_database("sqlite", tmp_path)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def atproto_network(session_dir: Path) -> Iterator[Any]:
    """A real atproto PDS with its PLC directory (tests/pds), one per test session: the bridge
    tests make their own accounts on it. Missing or not starting: skipped here, failed in CI."""
    from tests import pds

    try:
        network = pds.start(session_dir / "atproto-pds.log")
    except (FileNotFoundError, RuntimeError) as error:
        missing(f"atproto PDS ({error})")
    yield network
    network.stop()
