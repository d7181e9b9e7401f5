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
