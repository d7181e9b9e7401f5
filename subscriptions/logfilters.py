"""Keeps the tokens of subscriber links, email addresses and mobile numbers
out of the log.

Django itself logs the path of a refused or missing page ("Not Found:
/subscriptions/<token>/"), the development server logs every request line,
and a provider's error may quote the address it refused. A token in a log
is a key to someone's subscription, and an address or a number is personal
data. This filter, on every handler of the LOGGING setting, replaces each
with a mark before the record is written, in the message, its arguments and
its traceback."""

import logging
import re

# The path segment after a link's prefix is its token. A segment with a colon
# is a signed token (`<data>:<time>:<signature>`) always; otherwise a path
# that ends in .py is a source file in a traceback and is kept, so that an
# operator can tell which file failed.
LINK = re.compile(
    r"(/(?:subscriptions|unsubscribe|subscribe/confirm|subscribe/verify)/)"
    r"(?:(?=[^/\s'\"]*:)|(?![^\s'\"]*\.pyc?\b))[^/\s'\"]+"
)
EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
# E.164 numbers, and Chinese mobile numbers as typed (11 digits from 13).
NUMBER = re.compile(r"\+\d{7,15}\b|\b1[3-9]\d{9}\b")


def redact(value):
    if not isinstance(value, str):
        return value
    value = LINK.sub(r"\1[token]", value)
    value = EMAIL.sub("[email]", value)
    return NUMBER.sub("[number]", value)


def _redact_argument(value):
    """An argument as it will be written: numbers stay numbers (for %d);
    anything else, an exception quoting an address say, is read as text."""
    if value is None or isinstance(value, int | float):
        return value
    return redact(value if isinstance(value, str) else str(value))


class RedactSubscriberLinks(logging.Filter):
    def filter(self, record):
        try:
            # Redacted once formatted: a link's prefix may stand in the
            # message and its token in an argument.
            record.msg, record.args = redact(record.getMessage()), None
        except Exception:  # the handler reports a message it cannot format
            record.msg = redact(record.msg)
            if isinstance(record.args, tuple):
                record.args = tuple(_redact_argument(arg) for arg in record.args)
            elif isinstance(record.args, dict):
                record.args = {
                    key: _redact_argument(arg) for key, arg in record.args.items()
                }
        if record.exc_info and not record.exc_text:
            # Formatted here once; the handler's formatter then uses this text.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_text = redact(record.exc_text)
        record.stack_info = redact(record.stack_info)
        return True
