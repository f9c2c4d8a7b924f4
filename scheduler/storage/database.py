"""The database engine and sessions: one ``Database`` object per app or command.

SQLite (the default) gets foreign keys, WAL and a busy timeout so that the API and the solve worker
threads can share one file; writes are serialized by SQLite itself (``BEGIN IMMEDIATE``), which is
what keeps concurrent writers correct there. PostgreSQL needs nothing special.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Python's sqlite3 opens transactions lazily and on its own; take that over so that every
    # transaction starts with BEGIN IMMEDIATE (one writer at a time, no upgrade deadlocks).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_write(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_read(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")  # deferred: a reader in WAL mode never waits for the writer


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    if url.startswith("sqlite"):
        # A pool as large as the server's worker threads: opening an SQLite connection (and its
        # PRAGMAs) for each request beyond a small pool cost more than the query itself.
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=20, max_overflow=40
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_read if read_only else _sqlite_begin_write)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Database:
    """Engines and session factories; ``transaction()`` commits on success, rolls back on error.

    On SQLite, read-only transactions (``read_only=True``, used for GET requests) have an engine of
    their own that starts them deferred, so reads go on while a writer holds the lock.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        # An SQLite read in WAL mode takes no lock and crosses no network: it never waits. Callers
        # may then run a small read inline rather than hand it to a worker thread.
        self.reads_never_wait = url.startswith("sqlite")
        # PostgreSQL reads can wait on the network: the event loop may await them on the async
        # driver instead (``read_async``), made on first use.
        self._async_engine: AsyncEngine | None = None
        self.engine = make_engine(url)
        self.read_engine = make_engine(url, read_only=True) if url.startswith("sqlite") else self.engine
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Session]:
        factory = self.read_sessions if read_only else self.sessions
        with factory() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only transaction on a bare connection: no ORM session, for the hottest reads
        (calendar feeds), which select plain columns."""
        with self.read_engine.connect() as connection, connection.begin():
            yield connection

    async def read_async(self, read: Callable[[Connection], T], *, one_statement: bool = False) -> T:
        """Run ``read`` (written for a plain connection) in a read-only transaction on the async
        driver, from the event loop: no worker thread, and the loop serves others while it waits.
        ``one_statement``: ``read`` runs a single SELECT, atomic on its own, so it runs without
        BEGIN and COMMIT (one round trip to the server instead of three)."""
        if self._async_engine is None:
            self._async_engine = create_async_engine(self.url, pool_size=10, max_overflow=20)
        if one_statement:
            autocommit = self._async_engine.execution_options(isolation_level="AUTOCOMMIT")
            async with autocommit.connect() as connection:
                return await connection.run_sync(read)
        async with self._async_engine.connect() as connection, connection.begin():
            return await connection.run_sync(read)

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
        if self._async_engine is not None:
            self._async_engine.sync_engine.dispose()
