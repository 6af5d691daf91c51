"""Errors raised at the boundary (config, files, CLI), each saying what, where and what to do."""


class VaezooError(Exception):
    """Base class: the CLI prints the message and exits non-zero without a traceback."""


class ConfigError(VaezooError):
    """A composed config that cannot be run: names the key, the value and the accepted values."""


class DataFileError(VaezooError):
    """A data file that is missing, truncated or malformed: names the file and how to get it."""
