"""Public pages: published assessment results whose plan shows a public summary. Mounted by
gongkai/urls.py at assessments/."""

from django.urls import path

from gongkai.reports import public_views

app_name = "assessments"

urlpatterns = [
    path("", public_views.listing, name="list"),
    path("<int:pk>/", public_views.detail, name="detail"),
]
