"""Public pages: the supervision results of an organization. Mounted by gongkai/urls.py."""

from django.urls import path

from gongkai.supervision import public_views

app_name = "supervision"

urlpatterns = [
    path("o/<str:code>/supervision/", public_views.results, name="results"),
]
