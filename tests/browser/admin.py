"""Steps in the Wagtail admin that several browser tests take."""

import re


def log_in(page, base, username, password):
    """Log in on the admin's own form and wait for the dashboard."""
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/$"))
