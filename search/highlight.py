"""Highlighted terms: the spans of a text the query matched, in <mark>, with
everything else escaped. Shared by both backends, so the public sees the
same marks whichever answers."""

import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

from .text import is_chinese, light_stem, to_simplified

_WORD = re.compile(r"(?<!\w)[A-Za-z]+(?!\w)")


def match_spans(text, terms):
    """(start, end) of each place in `text` a query term matches, merged.
    Chinese terms match anywhere (traditional or simplified script); other
    terms match whole words, ignoring case, and an English word also marks
    its other forms (`toys` marks `toy`), as the index matched them."""
    folded = to_simplified(text)
    if len(folded) != len(text):  # a conversion changed lengths: spans would drift
        folded = text
    folded = folded.lower()
    spans = []
    for term in {t for t in terms if t}:
        if is_chinese(term):
            start = folded.find(term)
            while start != -1:
                spans.append((start, start + len(term)))
                start = folded.find(term, start + 1)
        else:
            pattern = r"(?<!\w)" + re.escape(term) + r"(?!\w)"
            spans.extend(m.span() for m in re.finditer(pattern, folded))
            stem = light_stem(term)
            if stem.isalpha() and stem.isascii():
                spans.extend(
                    m.span()
                    for m in _WORD.finditer(folded)
                    if light_stem(m.group()) == stem
                )
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text, terms, window=None):
    """`text` as safe HTML with matches in <mark>; with `window`, cut to about
    that many characters around the first match."""
    text = text or ""
    full_length = len(text)
    spans = match_spans(text, terms)
    offset = 0
    if window and len(text) > window:
        first = spans[0][0] if spans else 0
        offset = max(0, min(first - window // 4, len(text) - window))
        text = text[offset : offset + window]
        spans = [
            (max(s - offset, 0), min(e - offset, len(text)))
            for s, e in spans
            if e > offset and s < offset + len(text)
        ]
    parts, position = [], 0
    for start, end in spans:
        parts.append(escape(text[position:start]))
        parts.append("<mark>" + escape(text[start:end]) + "</mark>")
        position = end
    parts.append(escape(text[position:]))
    html = "".join(parts)
    if offset:
        html = "…" + html
    if offset + len(text) < full_length:
        html += "…"
    return mark_safe(html)  # noqa: S308  every piece above is escaped


def hit_highlights(terms, title, summary, title_en="", summary_en=""):
    """The `highlights` of a hit: its title whole, its summary cut around
    the first match, in Chinese and (where the record has it) English."""
    highlights = {
        "title": highlight(title, terms),
        "summary": highlight(summary, terms, window=240),
    }
    if title_en:
        highlights["title_en"] = highlight(title_en, terms)
    if summary_en:
        highlights["summary_en"] = highlight(summary_en, terms, window=240)
    return highlights
