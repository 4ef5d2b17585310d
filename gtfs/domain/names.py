"""Search keys for stop names: case-, accent- and umlaut-insensitive.

Both spellings of German umlauts must find a stop: "Mühlacker", "Muehlacker" and
"Muhlacker" all become ``muhlacker``. The same folding is applied to the stored name and
to the query, so "ae"/"oe"/"ue" in ordinary words (Michael -> michal) stay consistent.
"""

from __future__ import annotations

import re
import unicodedata

_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
# A digraph after a letter or at the start of any word ("Bad Oehringen"), never after a digit
# ("Gleis 2ue").
_DIGRAPHS = re.compile(r"(?<![0-9])(ae|oe|ue)")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case, fold umlauts and digraphs, drop other accents and punctuation."""
    value = (text or "").lower().translate(_UMLAUTS)
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = _DIGRAPHS.sub(lambda m: m.group(1)[0], value)
    return _NON_WORD.sub(" ", value).strip()


def search_key(name: str) -> str:
    """The stored key: folded words, each preceded by a space, so that ``LIKE '% q%'``
    finds a prefix of any word."""
    folded = fold(name)
    return f" {folded}" if folded else ""
