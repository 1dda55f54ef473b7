"""Public pages of information requests, mounted at the site root by gongkai/urls.py."""

from django.urls import path

from gongkai.inforequests import views

app_name = "inforequests"

urlpatterns = [
    path("o/<str:code>/request/", views.apply, name="apply"),
    path("requests/receipt/", views.receipt, name="receipt"),
    path("requests/track/", views.track, name="track"),
    path("me/requests/", views.mine, name="mine"),
]
