"""Errors the library raises for the CLI to turn into one-line messages."""


class FoiSearchError(Exception):
    """A failure the user can act on.

    Args:
        message: What went wrong, in one line.
        hint: What to do next, in one line.
    """

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} {self.hint}" if self.hint else base
