"""Middleware of alerts."""

from django.utils.cache import cc_delim_re


class FixedLanguageMiddleware:
    """Drop Accept-Language from Vary on answers whose language their address
    names (a feed's `lang`), which LocaleMiddleware adds to every answer: a
    shared cache would otherwise keep one copy of a feed per header value.

    It sits outside LocaleMiddleware, so it sees the answer after it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(response, "language_from_address", False) and response.has_header(
            "Vary"
        ):
            kept = [
                field
                for field in cc_delim_re.split(response["Vary"])
                if field and field.lower() != "accept-language"
            ]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response
