"""Console pages of information requests, mounted at console/requests/ by gongkai/urls.py."""

from django.urls import path

from gongkai.inforequests import console_views as views

app_name = "inforequests_console"

urlpatterns = [
    path("", views.listing, name="list"),
    path("new", views.record, name="record"),
    path("filings/", views.filings, name="filings"),
    path("statistics/", views.statistics_page, name="statistics"),
    path("statistics.xlsx", views.statistics_export, name="statistics_export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/<str:action>", views.act, name="act"),
    path("<int:pk>/letters/<str:kind>.<str:fmt>", views.letter, name="letter"),
]
