"""Included by gongkai/console/urls.py into the console's namespace (console:supervision_…)."""

from django.urls import path

from gongkai.supervision import views

urlpatterns = [
    path("supervision/", views.home, name="supervision_home"),
    path("supervision/orgs/<str:code>/", views.records, name="supervision_records"),
    path("supervision/orgs/<str:code>/log", views.view_log, name="supervision_view_log"),
    path("supervision/disclosures/<int:pk>/", views.disclosure, name="supervision_disclosure"),
    path("supervision/findings/", views.findings, name="supervision_findings"),
    path("supervision/findings/new/<str:code>", views.finding_new, name="supervision_finding_new"),
    path("supervision/findings/<int:pk>/", views.finding, name="supervision_finding"),
    path(
        "supervision/findings/<int:pk>/act/<str:action>",
        views.finding_act,
        name="supervision_finding_act",
    ),
    path(
        "supervision/findings/<int:pk>/files/<int:file_pk>",
        views.finding_file,
        name="supervision_finding_file",
    ),
    path("supervision/accountability/", views.accountability, name="supervision_accountability"),
    path(
        "supervision/accountability/new",
        views.accountability_new,
        name="supervision_accountability_new",
    ),
    path(
        "supervision/accountability/<int:pk>/",
        views.accountability_detail,
        name="supervision_accountability_record",
    ),
]
