"""Which notices a filtered feed holds. A feed lists notices, so its level
is the notice's level (a level change shows under the level it left and the
one it reached), and `status=active` keeps the lifting notice of a warning
that was in force: for a reader of the active feed, a lifting is news."""

import feedparser
import pytest
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.usefixtures("empty_cache")


def entries(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return [entry.link.rstrip("/").rsplit("/", 3)[-3::2] for entry in feed.entries]


def test_the_active_feed_tells_its_readers_that_a_warning_was_lifted(
    client, warning_index
):
    lifted = factories.warning(level=2, slug="lifted")
    factories.change_level(lifted, 1)
    factories.lift(lifted)
    factories.warning(level=3, slug="active")

    shown = entries(client, "/feeds/warnings.rss?status=active")

    # The lifting replaces the warning's earlier entries: no longer in force.
    assert shown == [["active", "1"], ["lifted", "3"]]


def test_a_warning_published_already_lifted_is_not_news_to_the_active_feed(
    client, warning_index
):
    factories.warning(slug="never-active", lifted_at=timezone.now())
    factories.warning(slug="active")

    shown = entries(client, "/feeds/warnings.atom?status=active")

    assert shown == [["active", "1"]]


def test_the_lifted_feed_holds_the_whole_story_of_lifted_warnings(
    client, warning_index
):
    lifted = factories.warning(level=2, slug="lifted")
    factories.lift(lifted)
    factories.warning(slug="active")

    shown = entries(client, "/feeds/warnings.rss?status=lifted")

    assert shown == [["lifted", "2"], ["lifted", "1"]]


def test_a_level_feed_holds_the_notices_of_that_level_not_the_warnings(
    client, warning_index
):
    page = factories.warning(level=1, slug="changed")
    factories.change_level(page, 2)
    factories.warning(level=1, slug="still-one")

    level_one = entries(client, "/feeds/warnings.rss?level=I")
    level_two = entries(client, "/feeds/warnings.rss?level=2")

    # Level I keeps the warning's history; the change shows under both.
    assert level_one == [["still-one", "1"], ["changed", "2"], ["changed", "1"]]
    assert level_two == [["changed", "2"]]


def test_a_lifting_shows_under_the_level_the_warning_had(client, warning_index):
    page = factories.warning(level=3, slug="changed")
    factories.change_level(page, 2)
    factories.lift(page)

    level_two = entries(client, "/feeds/warnings.atom?level=2&status=active")
    level_three = entries(client, "/feeds/warnings.atom?level=3")

    assert level_two == [["changed", "3"]]
    assert level_three == [["changed", "2"], ["changed", "1"]]


def test_the_cap_index_takes_the_same_notice_level_rule(client, warning_index):
    page = factories.warning(level=1, slug="changed")
    factories.change_level(page, 2)

    level_one = feedparser.parse(client.get("/feeds/cap.atom?level=1").content)
    level_two = feedparser.parse(client.get("/feeds/cap.atom?level=2").content)

    assert [e.id.rsplit("/", 1)[-1] for e in level_one.entries] == ["2", "1"]
    assert [e.id.rsplit("/", 1)[-1] for e in level_two.entries] == ["2"]


def test_the_feeds_page_explains_which_notices_a_filter_keeps(client, db):
    html = client.get("/feeds/").content.decode()

    assert "both levels" in html
    assert "两个等级" in html
    assert "lifting notice" in html and "status=active" in html
