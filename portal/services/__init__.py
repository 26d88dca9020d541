"""Domain operations. Services validate, change models, audit, queue mail and
commit once; they never touch the request."""


class DomainError(Exception):
    """A rule the user broke; `field` names the form field it belongs to, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Conflict(DomainError):
    """Someone else changed the thing first."""
