"""Text as the search index sees it: simplified script, lower case, Chinese
cut into words with jieba, so that a word matches without spaces."""

import re
import threading

import jieba
from opencc import OpenCC

jieba.setLogLevel(60)

_converter_lock = threading.Lock()
_converter = None
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TOKEN = re.compile(r"[\w\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", re.UNICODE)


def to_simplified(text):
    global _converter
    if not _HAN.search(text or ""):
        return text or ""
    with _converter_lock:
        if _converter is None:
            _converter = OpenCC("t2s")
        return _converter.convert(text)


def tokens(text):
    """Words of `text` for indexing and querying: Chinese runs cut by jieba's
    search mode (which also yields the shorter words inside long ones), and
    every other run lower-cased as it is."""
    text = to_simplified(text).lower()
    words = []
    for run in _TOKEN.findall(text):
        if _HAN.search(run):
            words.extend(w for w in jieba.cut_for_search(run) if w.strip())
        else:
            words.append(run)
    return words


def segmented(text):
    return " ".join(tokens(text))


def chinese_bigrams(text):
    """Overlapping pairs of Han characters of each Chinese run, in order, so
    that a phrase of them finds any Chinese substring of two or more
    characters however jieba cut the record or the query."""
    text = to_simplified(text or "")
    grams = []
    for run in _HAN_RUN.findall(text):
        if len(run) == 1:
            grams.append(run)
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def normalised_code(text):
    """A barcode, credit code, reference or alert number as the index keeps
    it: letters and digits only, lower case (`A12/00328/22` -> `a120032822`)."""
    return re.sub(r"[^0-9a-z]", "", to_simplified(text or "").lower())


def looks_like_code(text):
    code = normalised_code(text)
    return len(code) >= 5 and any(c.isdigit() for c in code) and " " not in text.strip()


def light_stem(word):
    """A light English stem, for marking the forms of a word the index
    matched (`toys`, `strollers`, `recalled`): plural, -ed and -ing endings
    off. Other words come back as they are."""
    if not (word.isascii() and word.isalpha()) or len(word) < 4:
        return word
    word = word.lower()
    for suffix, replacement, shortest in (
        ("sses", "ss", 5),
        ("ies", "y", 5),
        ("xes", "x", 4),
        ("ches", "ch", 5),
        ("shes", "sh", 5),
        ("ss", "ss", 0),
        ("us", "us", 0),
        ("s", "", 4),
        ("ing", "", 6),
        ("ed", "", 5),
    ):
        if word.endswith(suffix):
            if len(word) >= shortest:
                return word[: len(word) - len(suffix)] + replacement
            return word
    return word


def is_chinese(word):
    return bool(_HAN.search(word))


_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
