"""What a query means before any backend sees it: its words, the code it may
be, and the corrections of its English typos."""

from dataclasses import dataclass, field

from .text import chinese_bigrams, is_chinese, looks_like_code, normalised_code, tokens


@dataclass
class ParsedQuery:
    terms: list = field(default_factory=list)  # words every match must have
    code: str = ""  # normalised code when the whole query may be one
    all_terms: list = field(default_factory=list)  # terms and their compounds
    text: str = ""  # the query as typed, trimmed

    @property
    def empty(self):
        return not self.terms and not self.code

    @property
    def unsearchable(self):
        """Text was typed but holds no word or code (punctuation, emoji):
        it matches nothing, rather than everything."""
        return self.empty and bool(self.text)

    @property
    def highlight_terms(self):
        return self.all_terms or self.terms


def parse(text):
    """Words a match must contain: jieba's search-mode words of the query,
    less any compound its own parts already spell (`儿童玩具` = `儿童` +
    `玩具`), so that `儿童玩具` also finds `儿童电动玩具`."""
    text = (text or "").strip()
    words = list(dict.fromkeys(tokens(text)))
    required = [w for w in words if not _spelled_by(w, set(words) - {w})]
    return ParsedQuery(
        terms=required,
        code=normalised_code(text) if looks_like_code(text) else "",
        all_terms=words,
        text=text,
    )


def _spelled_by(word, parts):
    """Whether `word` is a concatenation of two or more of `parts`."""
    if not is_chinese(word) or len(word) < 2:
        return False
    reachable = {0}
    for end in range(1, len(word) + 1):
        if any(word[start:end] in parts for start in reachable if start < end):
            reachable.add(end)
    return len(word) in reachable


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
