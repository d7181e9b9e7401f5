"""How many SMS segments a text takes, the way a handset network counts them.

A text that uses only the GSM 03.38 alphabet is sent as GSM-7: 160 septets in
one message, or 153 per segment once it is split (the rest carries the
concatenation header). The characters of the extension table (`€ [ ] { } ^ ~
\\ |` and form feed) take two septets each: an escape and the character. Any
other character, one Chinese character is enough, forces the whole text into
UCS-2: 70 UTF-16 code units in one message, 67 per segment when split.
A two-septet pair or a surrogate pair is never cut between segments.
"""

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# (single-message capacity, capacity per segment of a split message)
CAPACITY = {GSM7: (160, 153), UCS2: (70, 67)}


@dataclass(frozen=True)
class SegmentCount:
    """What a text costs: its encoding, its length in units of that encoding
    (septets or UTF-16 code units), the segments it takes and the units left
    in its last segment."""

    encoding: str
    units: int
    segments: int
    remaining: int

    @property
    def per_segment(self):
        single, split = CAPACITY[self.encoding]
        return single if self.segments <= 1 else split


def is_gsm7(text):
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _unit_sizes(text, encoding):
    """The size of each character of `text` in units of `encoding`."""
    if encoding == GSM7:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def count_segments(text):
    """The `SegmentCount` of `text`. An empty text takes no segment."""
    encoding = GSM7 if is_gsm7(text) else UCS2
    sizes = _unit_sizes(text, encoding)
    units = sum(sizes)
    single, split = CAPACITY[encoding]
    if units == 0:
        return SegmentCount(encoding, 0, 0, single)
    if units <= single:
        return SegmentCount(encoding, units, 1, single - units)

    segments, used = 1, 0
    for size in sizes:
        if used + size > split:
            segments += 1
            used = 0
        used += size
    return SegmentCount(encoding, units, segments, split - used)
