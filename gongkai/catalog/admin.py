from django.contrib import admin

from gongkai.catalog.models import Catalog, CatalogVersion


class CatalogVersionInline(admin.TabularInline):
    model = CatalogVersion
    extra = 0
    can_delete = False
    readonly_fields = ["number", "parent_version", "published_at", "published_by", "note"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Catalog)
class CatalogAdmin(admin.ModelAdmin):
    """Read-only: catalogs change through the console, where every edit is a versioned draft."""

    list_display = ["title", "organization", "version", "parent", "based_on_parent_version"]
    search_fields = ["title", "organization__name", "organization__code"]
    readonly_fields = [f.name for f in Catalog._meta.fields]
    inlines = [CatalogVersionInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
