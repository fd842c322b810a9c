"""The words of a feedback text that carry meaning: lower-cased, stop words out, light stemming."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9][a-z0-9+#-]*")
_STOP = """a about above after again all also am an and any are as at be because been before being
    below between both but by can cannot could did do does doing down during each few for from
    further get got had has have having he her here hers him his how i if in into is it its
    itself just let me more most my no nor not now of off on once only or other our ours out
    over own please really same she should so some still such than thank thanks that the their
    them then there these they this those through to too under until up us very was we were
    what when where which while who whom why will with would you your yours hi hello team
    would like want need needs wish could way guys lot pretty thing things"""
STOP_WORDS = frozenset(_STOP.split())


def stem(word: str) -> str:
    """A crude suffix strip so "exports", "exporting" and "exported" meet."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    """The stemmed content words of ``text`` in order (duplicates kept)."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOP_WORDS and len(w) > 1]
