"""The one exception type postag raises for bad input, bad models and bad settings."""


class PostagError(Exception):
    """A user-facing error: the message is one line that names the file (and line) at fault.

    `exit_code` is 2 for bad input or usage (the default) and 1 for a failed check.
    """

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code
