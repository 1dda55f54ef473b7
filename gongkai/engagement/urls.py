from django.urls import path

from gongkai.engagement import views

app_name = "engagement"

urlpatterns = [
    path("o/<str:code>/opinion", views.opinion_new, name="opinion_new"),
    path("o/<str:code>/echo/", views.echo, name="echo"),
    path("opinions/receipt", views.receipt, name="receipt"),
    path("track/", views.track, name="track"),
    path("kiosk/<str:code>/", views.kiosk_home, name="kiosk"),
    path("kiosk/<str:code>/d/<int:pk>/", views.kiosk_disclosure, name="kiosk_disclosure"),
    path("kiosk/<str:code>/opinion", views.kiosk_opinion, name="kiosk_opinion"),
    path("kiosk/<str:code>/receipt", views.kiosk_receipt, name="kiosk_receipt"),
    path("kiosk/<str:code>/track", views.kiosk_track, name="kiosk_track"),
    path("kiosk/<str:code>/echo/", views.kiosk_echo, name="kiosk_echo"),
    path("kiosk/<str:code>/send", views.kiosk_send, name="kiosk_send"),
    path("kiosk/<str:code>/vote", views.kiosk_vote, name="kiosk_vote"),
    path("kiosk/<str:code>/sw.js", views.kiosk_worker, name="kiosk_worker"),
    path("kiosk/<str:code>/manifest.webmanifest", views.kiosk_manifest, name="kiosk_manifest"),
]
