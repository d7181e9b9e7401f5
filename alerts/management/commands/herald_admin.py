"""Make the first admin account, once. The password comes from
HERALD_ADMIN_PASSWORD, or is made up and printed this one time."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the admin account if there is none (for `make run`)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@herald.localhost")

    def handle(self, *args, username, email, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("An admin account exists already; log in at /admin/.")
            return

        password = os.environ.get("HERALD_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email=email, password=password)
        if os.environ.get("HERALD_ADMIN_PASSWORD"):
            self.stdout.write(
                f"Admin account '{username}' created with HERALD_ADMIN_PASSWORD."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Admin account '{username}' created. Password (shown once): "
                    f"{password}"
                )
            )
