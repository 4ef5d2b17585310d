"""The JSON parser of every API view: DRF's, with a nesting limit.

Python's ``json`` module recurses once per nesting level; a body nested a few thousand
levels deep raises ``RecursionError`` (a 500 in DRF). Bodies nested deeper than
``API_MAX_JSON_DEPTH`` are refused with 400 before they are parsed.
"""

from __future__ import annotations

import io
import re

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_nesting_depth(raw: bytes) -> int:
    """The deepest nesting of ``[``/``{`` in a JSON text, ignoring brackets inside strings."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        limit = settings.API_MAX_JSON_DEPTH
        if json_nesting_depth(raw) > limit:
            raise ParseError(f"JSON nested deeper than {limit} levels.")
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {limit} levels.") from None
