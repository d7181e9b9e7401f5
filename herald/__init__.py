"""Herald: public notices and consumer alerts for a product-safety authority."""

from .celery import app as celery_app

__all__ = ["celery_app"]
