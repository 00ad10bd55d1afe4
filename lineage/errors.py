"""Every failure lineage reports to a user is a LineageError subclass."""

from __future__ import annotations


class LineageError(Exception):
    """A failure caused by the user's input, options or environment.

    The command line prints ``Error: <message>`` and exits with ``exit_code``;
    messages say the value, the limit and the fix.
    """

    exit_code = 2


class InputError(LineageError):
    """An input path or record cannot be used (missing, unreadable, duplicate id)."""


class ConfigError(LineageError, ValueError):
    """An option value is out of range or inconsistent with another option."""


class OutputError(LineageError):
    """A report file cannot be written."""

    exit_code = 1


class SkippedInputError(LineageError):
    """Input records were skipped and the run was asked to be strict (``--strict``); the outputs are written."""

    exit_code = 1
