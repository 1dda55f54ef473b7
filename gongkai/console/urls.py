from django.urls import include, path

from gongkai.console.views import calendar, catalog, disclosures, home, organizations

app_name = "console"

urlpatterns = [
    path("", home.home, name="home"),
    path("switch", home.switch, name="switch"),
    path("orgs/", organizations.tree, name="org_tree"),
    path("orgs/search", organizations.search, name="org_search"),
    path("orgs/import", organizations.import_organizations, name="org_import"),
    path("orgs/import/template.xlsx", organizations.import_template, name="org_import_template"),
    path("orgs/<str:code>/", organizations.detail, name="org_detail"),
    path("orgs/<str:code>/children", organizations.children, name="org_children"),
    path("orgs/<str:code>/edit", organizations.edit, name="org_edit"),
    path("orgs/<str:code>/new", organizations.add_child, name="org_add_child"),
    path("todo/", disclosures.todo, name="todo"),
    path("calendar/notice", calendar.holiday_notice, name="holiday_notice"),
    path("disclosures/new", disclosures.draft, name="disclosure_new"),
    path("disclosures/<int:pk>/", disclosures.detail, name="disclosure"),
    path("disclosures/<int:pk>/edit", disclosures.draft, name="disclosure_edit"),
    path("disclosures/<int:pk>/act/<str:action>", disclosures.act, name="disclosure_act"),
    path("disclosures/<int:pk>/attachments", disclosures.upload, name="attachment_upload"),
    path(
        "disclosures/<int:pk>/attachments/<int:attachment_pk>/remove",
        disclosures.remove_attachment,
        name="attachment_remove",
    ),
    path(
        "disclosures/<int:pk>/attachments/<int:attachment_pk>/file",
        disclosures.attachment_original,
        name="attachment_original",
    ),
    path(
        "disclosures/<int:pk>/attachments/<int:attachment_pk>/checked",
        disclosures.check_attachment,
        name="attachment_check",
    ),
    path(
        "disclosures/<int:pk>/opinions/<int:opinion_pk>",
        disclosures.handle_opinion,
        name="opinion_handle",
    ),
    path("catalog/", catalog.browse, name="catalog"),
    path("catalog/start", catalog.start, name="catalog_start"),
    path("catalog/items/new", catalog.item_form, name="catalog_item_new"),
    path("catalog/items/<str:key>/edit", catalog.item_form, name="catalog_item_edit"),
    path("catalog/items/<str:key>/drop", catalog.drop, name="catalog_item_drop"),
    path("catalog/items/<str:key>/restore", catalog.restore, name="catalog_item_restore"),
    path("catalog/categories/new", catalog.category_form, name="catalog_category_new"),
    path("catalog/categories/<str:key>/edit", catalog.category_form, name="catalog_category_edit"),
    path("catalog/publish", catalog.publish, name="catalog_publish"),
    path("catalog/discard", catalog.discard, name="catalog_discard"),
    path("catalog/pending", catalog.pending, name="catalog_pending"),
    path("catalog/accept", catalog.accept, name="catalog_accept"),
    path("catalog/versions", catalog.versions, name="catalog_versions"),
    path("catalog/subordinates", catalog.subordinates, name="catalog_subordinates"),
    path("catalog/push-down", catalog.push_down, name="catalog_push_down"),
    path("catalog/templates", catalog.templates, name="catalog_templates"),
    path("catalog/import", catalog.import_catalog, name="catalog_import"),
    path("catalog/export.<str:fmt>", catalog.export, name="catalog_export"),
    path("", include("gongkai.reports.console_urls")),  # reports, report, assessments …
]
