"""Included by gongkai/console/urls.py into the console's namespace (console:reports …)."""

from django.urls import path

from gongkai.reports import views

urlpatterns = [
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("reports/<int:pk>/render", views.report_render, name="report_render"),
    path("reports/<int:pk>/file.<str:fmt>", views.report_file, name="report_file"),
    path("assessments/", views.assessments, name="assessments"),
    path("assessments/new", views.assessment_new, name="assessment_new"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment"),
    path("assessments/<int:pk>/edit", views.assessment_edit, name="assessment_edit"),
    path("assessments/<int:pk>/score", views.assessment_score, name="assessment_score"),
    path(
        "assessments/<int:pk>/assessors",
        views.assessment_assessor_add,
        name="assessment_assessor_add",
    ),
    path(
        "assessments/<int:pk>/assessors/<int:seat>/remove",
        views.assessment_assessor_remove,
        name="assessment_assessor_remove",
    ),
    path("assessments/<int:pk>/act/<str:action>", views.assessment_move, name="assessment_move"),
    path(
        "assessments/<int:pk>/export.<str:fmt>", views.assessment_export, name="assessment_export"
    ),
]
