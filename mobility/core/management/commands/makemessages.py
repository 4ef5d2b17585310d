"""``makemessages`` that also finds the messages of domain errors.

Services raise ``ValidationFailed("English message", code=...)`` without wrapping the
message in ``gettext``: the error translates it when it is read (``mobility.errors``). So
that ``makemessages`` still finds these msgids, the error classes are passed to xgettext as
keywords, like ``gettext`` itself (their first argument is the message; ``ArchiveRefused``
takes the code first). ``PlaceNotFound`` is left out: its callers translate their (English) msgids themselves.

The catalogues of everything but the web app live in ``locale/`` at the project root; from
there, run::

    python manage.py makemessages -l de -l en --no-location --no-obsolete \
        --ignore 'web/*' --ignore 'tests/*' --ignore 'benchmarks/*' --ignore 'var/*' --ignore 'docs/*'

(the web app keeps its own German-keyed catalogue in ``web/locale``; see the README).
"""

from __future__ import annotations

from django.core.management.commands import makemessages

ERROR_KEYWORDS = [
    "DomainError",
    "ValidationFailed",
    "NotFound",
    "Forbidden",
    "Conflict",
    "Unprocessable",
    "ServiceUnavailable",
    "PaymentDeclined",
    "FeedRefused",
    "PolicyViolation",
    "ArchiveRefused:2",
    # the API's error bodies: error_body(code, message), mobility.middleware._error(status, code, message)
    "error_body:2",
    "_error:3",
]


class Command(makemessages.Command):
    xgettext_options = makemessages.Command.xgettext_options + [f"--keyword={k}" for k in ERROR_KEYWORDS]
