from django.conf import settings
from django.utils.module_loading import import_string


def search_backend():
    """The backend HERALD_SEARCH_BACKEND names, read at call time."""
    return import_string(settings.HERALD_SEARCH_BACKEND)()
