"""What a query means before any backend sees it: its words, the code it may
be, and the corrections of its English typos."""

from dataclasses import dataclass, field

from .text import chinese_bigrams, is_chinese, looks_like_code, normalised_code, tokens


@dataclass
class ParsedQuery:
    terms: list = field(default_factory=list)  # simplified, lower-cased words
    code: str = ""  # normalised code when the whole query may be one

    @property
    def empty(self):
        return not self.terms and not self.code

    @property
    def highlight_terms(self):
        return self.terms


def parse(text):
    text = (text or "").strip()
    return ParsedQuery(
        terms=list(dict.fromkeys(tokens(text))),
        code=normalised_code(text) if looks_like_code(text) else "",
    )


def grams_of(term):
    """Bigrams of a Chinese term, for a phrase query that finds it as a
    substring of any record's text."""
    return chinese_bigrams(term) if is_chinese(term) else []


def edit_distance(a, b, limit):
    """Levenshtein distance of a and b, or limit + 1 once it exceeds limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            )
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def correctable(term):
    return term.isascii() and term.isalpha() and len(term) >= 4


def allowed_typos(term):
    return 1 if len(term) < 7 else 2
