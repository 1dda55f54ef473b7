from django.urls import path

from gongkai.portal import ledger_pages, views
from gongkai.search import views as search_views

app_name = "portal"

urlpatterns = [
    path("", views.start, name="start"),
    # Full-text search (gongkai.search): disclosures, echo-wall answers, request decisions.
    path("search", search_views.search, name="search"),
    path("search/feed", search_views.search_feed, name="search_feed"),
    path("me/", views.mine, name="mine"),
    path("o/<str:code>/", views.organization, name="organization"),
    path("o/<str:code>/children", views.children, name="children"),
    # 下级组织的公开内容: the subtree's disclosures newest first (`?own=1`: this one only).
    path("o/<str:code>/all", views.organization_all, name="organization_all"),
    path("o/<str:code>/items/<str:key>/", views.item, name="item"),
    path("d/<int:pk>/", views.disclosure, name="disclosure"),
    # 核验: the disclosure's ledger entries and proof.
    path("d/<int:pk>/proof", views.disclosure_proof, name="disclosure_proof"),
    path("d/<int:pk>/consultation", views.consultation, name="consultation"),
    # The consultation on the kiosk (large type, public consultations only).
    path(
        "kiosk/<str:code>/consultation/<int:pk>",
        views.kiosk_consultation,
        name="kiosk_consultation",
    ),
    path("d/<int:pk>/files/<int:attachment_pk>", views.attachment_file, name="attachment"),
    # The page 如何核验 first: a log named "how" would be shadowed, never the page.
    path("ledger/how/", ledger_pages.how, name="ledger_how"),
    path("ledger/verify_ledger.py", ledger_pages.verifier_script, name="ledger_verifier"),
    path("ledger/<str:log>/", views.ledger_log, name="ledger_log"),
]
