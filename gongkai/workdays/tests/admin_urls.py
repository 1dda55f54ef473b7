"""Only the admin site: these tests check this app's admin, whatever other apps' URLs do."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
