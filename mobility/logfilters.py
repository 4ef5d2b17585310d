"""Logging filters: no credentials in log files.

uvicorn logs the full request target of every HTTP request (``uvicorn.access``) and WebSocket
handshake (``uvicorn.error``), query string included; a ``?token=…`` would land in the access
log. ``TokenScrubFilter`` replaces the values of credential-like query parameters with
``[redacted]`` in every logged string argument; ``install()`` puts it on uvicorn's loggers
and Django's request logger.
"""

from __future__ import annotations

import logging
import re

SECRET_PARAMETERS = ("token", "access_token", "auth", "key", "password", "signature")
_PATTERN = re.compile(r"(?i)([?&](?:" + "|".join(SECRET_PARAMETERS) + r")=)[^&#\s\"']*")
LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn", "django.request", "django.server", "daphne")


def scrub(text: str) -> str:
    """``/ws/notifications/?token=abc&x=1`` -> ``/ws/notifications/?token=[redacted]&x=1``."""
    return _PATTERN.sub(r"\1[redacted]", text)


class TokenScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(scrub(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: scrub(v) if isinstance(v, str) else v for key, v in record.args.items()}
        return True


_FILTER = TokenScrubFilter()


def install() -> None:
    """Attach the filter to the loggers that write request URLs (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
