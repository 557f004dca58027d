"""Errors raised by the Hostaway gateway, one class per thing a caller can do something about.

    HostawayError                      base; `message` is safe to show (never a secret or token)
    ├── ConfigurationError             bad or missing settings (credentials, base URL)
    ├── ReadOnlyError                  a write was attempted in read-only mode; nothing was sent
    └── HostawayAPIError               Hostaway answered, and the answer was a failure
        ├── AuthenticationError        the account id / API key pair was rejected
        ├── PermissionDeniedError      403 even with a fresh token: the action is not allowed
        ├── NotFoundError              404: unknown id or endpoint
        ├── InvalidRequestError        400/422 or `status: fail`: Hostaway refused the input
        ├── RateLimitedError           429 after every retry was spent
        ├── UpstreamError              5xx, an HTML error page or a body that is not JSON
        └── TransportError             no usable answer at all
            ├── HostawayTimeoutError   the request timed out
            └── OutcomeUnknownError    a write may have reached Hostaway; it was not retried

Tools turn these into `ToolError` text that tells the model what to do next (see
`hostaway_tool` in `tools/_runtime.py`).
"""

from __future__ import annotations


class HostawayError(Exception):
    """Base of every error this package raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(HostawayError):
    """The settings cannot work (missing credentials, a refused base URL)."""


class ReadOnlyError(HostawayError):
    """A non-GET request in read-only mode; refused before anything was sent."""


class HostawayAPIError(HostawayError):
    """Hostaway (or the network in front of it) answered with a failure."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class AuthenticationError(HostawayAPIError):
    """The token exchange rejected the account id / API key pair."""


class PermissionDeniedError(HostawayAPIError):
    """A 403 that survived one token refresh: the account may not do this."""


class NotFoundError(HostawayAPIError):
    """The id or endpoint does not exist."""


class InvalidRequestError(HostawayAPIError):
    """Hostaway refused the request's content (400/422 or a `status: fail` envelope)."""


class RateLimitedError(HostawayAPIError):
    """Hostaway kept answering 429 until the retry budget ran out."""


class UpstreamError(HostawayAPIError):
    """Hostaway failed (5xx) or sent something that is not its JSON envelope."""


class TransportError(HostawayAPIError):
    """No usable HTTP answer: connection refused or reset, DNS failure, TLS failure."""


class HostawayTimeoutError(TransportError):
    """The request timed out."""


class OutcomeUnknownError(TransportError):
    """A write may or may not have been applied: the answer was lost after the request left."""
