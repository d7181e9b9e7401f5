"""Keeps the tokens of subscriber links out of the log.

Django itself logs the path of a refused or missing page ("Not Found:
/subscriptions/<token>/"), and a token in a log is a key to someone's
subscription. This filter, on every handler, replaces the token with a
mark before the record is written."""

import logging
import re

LINK = re.compile(
    r"(/(?:subscriptions|unsubscribe|subscribe/confirm|subscribe/verify)/)[^/\s'\"]+"
)
REDACTED = r"\1[token]"


def redact(value):
    return LINK.sub(REDACTED, value) if isinstance(value, str) else value


class RedactSubscriberLinks(logging.Filter):
    def filter(self, record):
        record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: redact(arg) for key, arg in record.args.items()}
        return True
