from django.urls import path

from . import api, views

app_name = "search"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("api/v1/search", api.search, name="api_search"),
    path("search/export.csv", views.export_csv, name="export_csv"),
]
