from django.urls import path

from . import api, feed_views, views

app_name = "alerts"

urlpatterns = [
    path("recalls/", views.recall_list, name="recall_list"),
    path("recalls/<int:pk>/", views.recall_detail, name="recall_detail"),
    path("blacklist/", views.blacklist_list, name="blacklist_list"),
    path("blacklist/<int:pk>/", views.blacklist_detail, name="blacklist_detail"),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
    path("w/<str:reference>/", views.warning_by_reference, name="warning_short"),
    path("warnings/<str:slug>/cap.xml", views.warning_cap, name="warning_cap"),
    path(
        "warnings/<str:slug>/notices/<int:sequence>/cap.xml",
        views.notice_cap,
        name="notice_cap",
    ),
    path("feeds/", feed_views.feed_index, name="feed_index"),
    path(
        "feeds/warnings.rss",
        feed_views.warnings_feed,
        {"fmt": "rss"},
        name="warnings_rss",
    ),
    path(
        "feeds/warnings.atom",
        feed_views.warnings_feed,
        {"fmt": "atom"},
        name="warnings_atom",
    ),
    path("feeds/cap.atom", feed_views.cap_index, name="cap_index"),
    path(
        "feeds/recalls.rss", feed_views.recalls_feed, {"fmt": "rss"}, name="recalls_rss"
    ),
    path(
        "feeds/recalls.atom",
        feed_views.recalls_feed,
        {"fmt": "atom"},
        name="recalls_atom",
    ),
    path(
        "feeds/blacklist.rss",
        feed_views.blacklist_feed,
        {"fmt": "rss"},
        name="blacklist_rss",
    ),
    path(
        "feeds/blacklist.atom",
        feed_views.blacklist_feed,
        {"fmt": "atom"},
        name="blacklist_atom",
    ),
    path("api/v1/", api.api_index, name="api_index"),
    path("api/v1/openapi.json", api.openapi_document, name="api_openapi"),
    path("api/v1/warnings", api.warning_list, name="api_warnings"),
    path("api/v1/recalls", api.recall_list, name="api_recalls"),
    path("api/v1/blacklist", api.blacklist_list, name="api_blacklist"),
]
