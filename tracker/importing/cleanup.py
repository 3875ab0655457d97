"""Clean the text of a PDF or a web page before reading it: what pages put between lines.

Text taken from a PDF carries each page's running header and footer, page numbers,
words hyphenated at line ends, and page breaks that cut an item in two. These are taken
out (a cut item is joined again) so that the list and prose readers see the report's
own text. Pure functions, no Flask.
"""

from __future__ import annotations

import re
from collections import Counter

MAX_FURNITURE_CHARS = 100  # longer lines are text, even when repeated
MIN_REPEATS = 3  # a line on three pages or more is a running header or footer

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*)?(?:page|p\.|صفحة)?\s*[\d٠-٩]{1,4}(?:\s*(?:/|of|sur|de|من)\s*[\d٠-٩]{1,4})?"
    r"\s*(?:[-–—])?\s*$", re.IGNORECASE)
_HYPHENATED = re.compile(r"(\w)-\n[ \t]*(?=[a-zà-öø-ÿ])")
_SENTENCE_END = (".", "!", "?", ":", ";", "؛", "»", '"', "”")


def clean(text: str) -> str:
    """Return `text` without page numbers, running headers and footers, or line-end hyphens.

    Lines are otherwise kept as they are, so that list markers and indents survive.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text = _HYPHENATED.sub(r"\1", text)
    lines = text.split("\n")
    counts = Counter(line.strip() for line in lines
                     if line.strip() and len(line.strip()) <= MAX_FURNITURE_CHARS)
    repeated = {line for line, n in counts.items() if n >= MIN_REPEATS and not _is_item(line)}
    kept: list[str] = []
    seen: set[str] = set()
    removed_after = False  # furniture was removed since the last line of text
    for line in lines:
        stripped = line.strip()
        if _PAGE_NUMBER.match(stripped) and stripped:
            removed_after = True
            continue
        if stripped in repeated:
            if stripped in seen:
                removed_after = True
                continue
            seen.add(stripped)
        if not stripped:
            kept.append(line)
            continue
        if removed_after and _cut_by_page_break(kept, stripped):
            while kept and not kept[-1].strip():
                kept.pop()  # the blank lines of the page break, inside an item
        removed_after = False
        kept.append(line)
    return "\n".join(kept)


def _is_item(line: str) -> bool:
    return bool(re.match(r"^(?:[-–•*·▪]|\(?\d{1,2}[.)])\s", line))


def _cut_by_page_break(kept: list[str], line: str) -> bool:
    """Tell whether `line` goes on with the text before a page break (not a new item)."""
    previous = next((k.strip() for k in reversed(kept) if k.strip()), "")
    return bool(previous) and not previous.endswith(_SENTENCE_END) and line[:1].islower()
