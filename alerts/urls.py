from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("recalls/", views.recall_list, name="recall_list"),
    path("recalls/<int:pk>/", views.recall_detail, name="recall_detail"),
    path("blacklist/", views.blacklist_list, name="blacklist_list"),
    path("blacklist/<int:pk>/", views.blacklist_detail, name="blacklist_detail"),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
    path("feeds/", views.feed_index, name="feed_index"),
    path("feeds/warnings.rss", views.warnings_rss, name="warnings_rss"),
    path("warnings/<str:slug>/cap.xml", views.warning_cap, name="warning_cap"),
    path(
        "warnings/<str:slug>/notices/<int:sequence>/cap.xml",
        views.notice_cap,
        name="notice_cap",
    ),
]
