"""Text normalisation and pinyin, shared by indexing (write time) and querying (read time).

Both sides must normalise identically, so the rules live here once: Unicode NFKC (full-width
letters and digits become ASCII), case folding, control characters dropped, whitespace collapsed.
Pinyin is computed in Python with pypinyin when a feature is written, and stored."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.seg.simpleseg import simple_seg

_SPACE_RE = re.compile(r"\s+")
_PINYIN_KEEP_RE = re.compile(r"[^0-9a-z]")


def normalise(value: str) -> str:
    """The comparable form of a text: NFKC, case-folded, no control characters, single spaces."""
    text = unicodedata.normalize("NFKC", value)
    if not text.isprintable():  # printable text has none of the categories below: skip the scan
        text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    return _SPACE_RE.sub(" ", text).strip().casefold()


def has_han(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


@lru_cache(maxsize=200_000)
def pinyin_forms(text: str) -> tuple[str, str]:
    """(full, initials) pinyin of a normalised text, letters and digits only: 南岗区 -> (nangangqu, ngq).

    Empty for text without Chinese (its letters are in the text already). Cached, and so are the
    runs a text is made of: names repeat a lot (street names, building types), and pypinyin costs
    ~50 µs a call."""
    if not has_han(text):
        return "", ""
    forms = [_run_forms(run) for run in simple_seg(text)]
    return "".join(full for full, _ in forms), "".join(initials for _, initials in forms)


@lru_cache(maxsize=100_000)
def _run_forms(run: str) -> tuple[str, str]:
    """pinyin_forms of one run of Chinese characters or of other characters. pypinyin splits a
    text into such runs before it segments words (simple_seg), and converts each run on its own,
    so a text's pinyin is its runs' pinyin joined (南岗区12号楼: 南岗区, 12, 号楼)."""
    syllables = lazy_pinyin(run, style=Style.NORMAL, errors="default", v_to_u=False)
    full = _PINYIN_KEEP_RE.sub("", "".join(syllables).casefold())
    initials = []
    for syllable in syllables:
        chunk = syllable.strip().casefold()
        if not chunk:
            continue
        if has_han(chunk) or not chunk.isascii():
            continue
        # pypinyin returns non-Chinese runs whole; keep their letters and digits as they are.
        if len(syllable) > 6 or " " in syllable or not chunk.isalpha():
            initials.append(_PINYIN_KEEP_RE.sub("", chunk))
        else:
            initials.append(chunk[0])
    return full, "".join(initials)


def query_pinyin(q: str) -> str:
    """The pinyin key a query is compared with: pinyin of Chinese text, or the Latin letters typed."""
    if has_han(q):
        return pinyin_forms(q)[0]
    return _PINYIN_KEEP_RE.sub("", q)


def bigrams(text: str) -> list[str]:
    """Distinct two-character substrings of each '|'-separated part of an index text: pg_trgm
    cannot index a two-character Chinese query (no full trigram fits inside it), so those are
    answered from this array's GIN index. No pair spans two parts (a name and an address)."""
    pairs: set[str] = set()
    for part in text.split("|"):
        compact = part.replace(" ", "")
        pairs.update(compact[i : i + 2] for i in range(len(compact) - 1))
    return sorted(pairs)


def like_escape(text: str) -> str:
    """Escape LIKE's wildcards so that % and _ typed by a person match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
