"""The one error root of the import, and the exit codes a user or a script reads.

Every error raised on purpose carries its exit code, so the command line maps an error to its
code in one place and no stage has to know about the command line.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What `python -m legacy_import` exits with (the contract in the docs and `--help`)."""

    OK = 0
    REJECTS = 1
    USAGE = 2
    FATAL = 3
    INTERRUPTED = 130


class LegacyImportError(Exception):
    """Base of every error the import raises on purpose; the message says what to do."""

    code: ExitCode = ExitCode.FATAL

    def __init__(self, message: str, *, code: ExitCode | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class UsageError(LegacyImportError):
    """The command cannot run as given: an argument, a layout or a mapping does not fit."""

    code = ExitCode.USAGE


class SourceError(LegacyImportError):
    """The source cannot be read as what it claims to be (missing, empty, not JSON, not
    SQLite, not UTF-8): the user gave the wrong thing, so it is a usage error. Input that
    fails while being read mid-run is an I/O failure instead (an `OSError`, fatal)."""

    code = ExitCode.USAGE


class MappingError(UsageError):
    """A mapping file that cannot be used; the message lists every problem with its line."""


class TargetError(LegacyImportError):
    """The target database cannot take the import (its schema, a concurrent run, a lost
    connection); committed work stays."""


class PreparationError(LegacyImportError):
    """A worker could not read or prepare the source; `details` holds its traceback."""

    def __init__(self, message: str, details: str) -> None:
        super().__init__(message)
        self.details = details
