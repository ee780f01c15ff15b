"""Translating driver errors: the system's fault (retry later) versus the file's (quarantine) versus a bug of ours."""

import asyncpg.exceptions as pg
import pytest
from sqlalchemy.exc import DBAPIError

from core.db import is_transient, short_error, sqlstate_of, translate_db_error, unique_violation_of
from core.errors import BadFileError, TransientError


class FakeDriverError(Exception):
    """A driver error the way adapters expose it: a message and a `sqlstate` attribute."""

    def __init__(self, message: str, sqlstate: object) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def caused_by(outer: BaseException, inner: BaseException) -> BaseException:
    """`outer` raised `from inner`."""
    outer.__cause__ = inner
    return outer


def during(outer: BaseException, inner: BaseException) -> BaseException:
    """`outer` raised while handling `inner`."""
    outer.__context__ = inner
    return outer


def wrapped(orig: BaseException, *, invalidated: bool = False) -> DBAPIError:
    """SQLAlchemy's wrapper around a driver error, as the engine raises it."""
    return DBAPIError("COPY staging.job_titles FROM STDIN", None, orig, connection_invalidated=invalidated)


def test_the_sqlstate_of_a_driver_error_is_its_own() -> None:
    assert sqlstate_of(FakeDriverError("x", "22P02")) == "22P02"


def test_the_sqlstate_is_found_down_a_chain_of_causes_and_wrappers() -> None:
    inner = pg.InvalidTextRepresentationError("invalid input syntax for type bigint")
    chain = caused_by(RuntimeError("load failed"), during(ValueError("copy"), wrapped(inner)))
    assert sqlstate_of(chain) == "22P02"


def test_the_outermost_sqlstate_wins() -> None:
    assert sqlstate_of(caused_by(FakeDriverError("adapter", "08006"), pg.DataError("d"))) == "08006"


@pytest.mark.parametrize("exc", [ValueError("x"), OSError("x"), FakeDriverError("x", None), FakeDriverError("x", 42)])
def test_errors_without_a_text_sqlstate_have_none(exc: BaseException) -> None:
    assert sqlstate_of(exc) is None


def test_a_cycle_of_causes_does_not_loop_forever() -> None:
    first, second = ValueError("a"), ValueError("b")
    first.__cause__, second.__cause__ = second, first
    assert sqlstate_of(first) is None
    assert not is_transient(first)
    assert short_error(first) == "ValueError: b"


@pytest.mark.parametrize(
    "exc",
    [
        FakeDriverError("connection failure", "08006"),
        pg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        pg.PostgresConnectionError("x"),
        pg.CannotConnectNowError("the database system is starting up"),
        pg.DiskFullError("could not extend file"),
        pg.TooManyConnectionsError("sorry, too many clients already"),
        pg.SerializationError("could not serialize access"),
        pg.DeadlockDetectedError("deadlock detected"),
        FakeDriverError("I/O error", "58030"),
        pg.InterfaceError("connection is closed"),
        pg.InternalClientError("protocol out of sync"),
        ConnectionRefusedError(111, "Connection refused"),
        OSError(28, "No space left on device"),
        TimeoutError(),
        TransientError("retry"),
        wrapped(ValueError("ssl closed"), invalidated=True),
        wrapped(pg.ConnectionDoesNotExistError("closed")),
        caused_by(RuntimeError("copy failed"), ConnectionResetError(104, "Connection reset by peer")),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_server_link_and_disk_trouble_is_transient(exc: BaseException) -> None:
    assert is_transient(exc)


@pytest.mark.parametrize(
    "exc",
    [
        pg.DataError("bad"),
        pg.InvalidTextRepresentationError("invalid input syntax"),
        pg.UntranslatableCharacterError("unsupported Unicode escape sequence"),
        pg.UniqueViolationError("duplicate key"),
        pg.UndefinedTableError("relation does not exist"),
        FakeDriverError("integrity constraint violation in rollback", "40002"),
        caused_by(FakeDriverError("bad value", "22003"), OSError("unrelated")),
        ValueError("x"),
        KeyError("x"),
        BadFileError("bad file"),
        wrapped(ValueError("no sqlstate")),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_data_schema_and_programming_errors_are_not_transient(exc: BaseException) -> None:
    assert not is_transient(exc)


@pytest.mark.parametrize("exc", [TransientError("x"), BadFileError("y")])
def test_our_own_errors_pass_through_translation_unchanged(exc: BaseException) -> None:
    assert translate_db_error(exc) is exc


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (wrapped(pg.CannotConnectNowError("the database system is shutting down")), "CannotConnectNowError: the "),
        (caused_by(RuntimeError("load"), OSError(28, "No space left on device")), "OSError: [Errno 28] No space"),
        (pg.ConnectionDoesNotExistError("closed\nmore"), "ConnectionDoesNotExistError: closed"),
    ],
)
def test_transient_driver_errors_become_transient_errors(exc: BaseException, message: str) -> None:
    translated = translate_db_error(exc)
    assert isinstance(translated, TransientError)
    assert str(translated).startswith(f"database unavailable: {message}")


@pytest.mark.parametrize(
    "exc",
    [
        pg.DataError("value too long"),
        pg.NumericValueOutOfRangeError("value out of range for type bigint"),
        pg.CharacterNotInRepertoireError("invalid byte sequence for encoding UTF8: 0x00"),
        wrapped(pg.InvalidTextRepresentationError("malformed array literal")),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_data_exceptions_become_bad_files(exc: BaseException) -> None:
    translated = translate_db_error(exc)
    assert isinstance(translated, BadFileError)
    assert translated.reason == "the database refused a value in this file"
    assert translated.detail == short_error(exc)
    assert translated.line is None


@pytest.mark.parametrize(
    "exc",
    [
        pg.InsufficientPrivilegeError("permission denied for table job_titles"),
        pg.ReadOnlySQLTransactionError("cannot execute INSERT in a read-only transaction"),
        pg.QueryCanceledError("canceling statement due to statement timeout"),
        pg.LockNotAvailableError("canceling statement due to lock timeout"),
        pg.UniqueViolationError("duplicate key"),
        wrapped(pg.UndefinedTableError("relation staging.job_titles does not exist")),
        wrapped(ValueError("no sqlstate, but raised through the database layer")),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_every_other_database_error_is_the_systems_fault(exc: BaseException) -> None:
    translated = translate_db_error(exc)
    assert isinstance(translated, TransientError)
    assert str(translated).endswith(short_error(exc))


@pytest.mark.parametrize("exc", [ValueError("x"), KeyError("k"), RuntimeError("a bug of ours")])
def test_errors_outside_the_database_are_returned_unchanged(exc: BaseException) -> None:
    assert translate_db_error(exc) is exc


def test_a_unique_violation_names_its_constraint_through_the_wrappers() -> None:
    driver = pg.UniqueViolationError("duplicate key value violates unique constraint")
    driver.constraint_name = "uq_file_loads_sha256_loaded"  # asyncpg sets it from the server's error fields
    assert unique_violation_of(wrapped(caused_by(FakeDriverError("adapter", "23505"), driver))) == (
        "uq_file_loads_sha256_loaded"
    )
    assert unique_violation_of(pg.DataError("bad")) is None


@pytest.mark.parametrize(
    ("exc", "short"),
    [
        (ValueError("plain"), "ValueError: plain"),
        (pg.DataError("first line\nDETAIL: second"), "DataError: first line"),
        (wrapped(pg.DataError("  padded\nmore")), "DataError: padded"),
        (caused_by(RuntimeError("outer"), KeyError("inner")), "KeyError: 'inner'"),
        (caused_by(RuntimeError("outer"), TimeoutError()), "RuntimeError: outer"),
        (caused_by(TransientError(), TimeoutError()), "TimeoutError"),
        (ValueError("   "), "ValueError"),
    ],
)
def test_short_error_names_the_innermost_error_with_a_message(exc: BaseException, short: str) -> None:
    assert short_error(exc) == short
