"""Errors that end a command with one clear line and a non-zero exit."""


class BoardtwinError(Exception):
    """Base: str(err) is the one line shown to the user."""

    exit_code = 1


class InputError(BoardtwinError):
    """A user input (model, path, option, log) is wrong; the message names it."""

    exit_code = 2


class ToolMissing(BoardtwinError):
    """A required external tool is missing; the message carries the install hint."""

    exit_code = 3


class BuildError(BoardtwinError):
    exit_code = 4
