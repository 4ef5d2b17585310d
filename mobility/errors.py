"""Domain errors with stable codes.

Services raise these; the API layer turns every one of them into the single error body
``{"error": {"code", "message", "fields"}}`` with the status given here. Codes are part of
the public API: never rename one, add a new one instead.

Messages are written in English and translated when they are read: ``message`` is the
English source (a gettext msgid, found by ``makemessages`` through the error classes'
names) formatted with ``params`` in the active language, so one raised error reads German
for a German request and English for an English one. Put values into ``params``
(``"Feed %(name)s exists."``), never into the source with an f-string.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext


class DomainError(Exception):
    """A refused operation. ``code`` is stable, ``message`` is for people."""

    status_code = 400
    default_code = "invalid_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        status_code: int | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.source_message = message
        self.params = params or {}
        self.code = code or self.default_code
        self.fields = fields or {}
        if status_code is not None:
            self.status_code = status_code
        self.headers = headers or {}
        #: Values for the people-facing sentence of ``code`` (e.g. the web app's German text).
        self.params = params or {}

    @property
    def message(self) -> str:
        """The message in the active language, with its ``params`` filled in."""
        text = gettext(str(self.source_message)) if self.source_message else ""
        if self.params:
            # Lazy values (choice labels) are translated here too.
            text = text % {key: str(value) for key, value in self.params.items()}
        return text

    @message.setter
    def message(self, value: str) -> None:
        self.source_message = value
        self.params = {}

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.source_message!r})"


class ValidationFailed(DomainError):
    status_code = 400
    default_code = "validation_error"


class NotFound(DomainError):
    status_code = 404
    default_code = "not_found"


class Forbidden(DomainError):
    status_code = 403
    default_code = "permission_denied"


class Conflict(DomainError):
    """The request clashes with the current state (an overlap, a full trip, a lock)."""

    status_code = 409
    default_code = "conflict"


class Unprocessable(DomainError):
    status_code = 422
    default_code = "unprocessable"


class ServiceUnavailable(DomainError):
    status_code = 503
    default_code = "service_unavailable"
