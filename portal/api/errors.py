"""What the API answers when it refuses: always JSON, in one shape
(portal.core.errors.json_error), with the headers HTTP asks for."""

from __future__ import annotations

from werkzeug.exceptions import HTTPException

from portal.core.errors import json_error


class ApiError(HTTPException):
    """A refusal with its status, a message for the person writing the query,
    the query parameter at fault (400) and headers (WWW-Authenticate, Retry-After)."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        parameter: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.parameter = parameter
        self.extra_headers = headers or {}

    def get_response(self, environ=None, scope=None):
        extra = {"parameter": self.parameter} if self.parameter else {}
        response = json_error(self.code, self.message, **extra)
        response.headers.update(self.extra_headers)
        return response


def bad_parameter(parameter: str, message: str) -> ApiError:
    return ApiError(400, message, parameter=parameter)


def unauthorized(message: str, invalid: bool = False) -> ApiError:
    # RFC 6750: the challenge names the scheme, and says when a token was refused.
    challenge = 'Bearer realm="api", error="invalid_token"' if invalid else 'Bearer realm="api"'
    return ApiError(401, message, headers={"WWW-Authenticate": challenge})


def forbidden(message: str) -> ApiError:
    return ApiError(403, message)


def too_many(message: str, retry_after: int) -> ApiError:
    return ApiError(429, message, headers={"Retry-After": str(retry_after)})
