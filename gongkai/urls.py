from django.contrib import admin
from django.urls import include, path

from gongkai.portal import views as portal_views
from gongkai.web import views as web_views

urlpatterns = [
    path("", portal_views.start, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("accounts/", include("gongkai.accounts.urls")),
    path("console/opinions/", include("gongkai.engagement.console_urls")),
    path("console/requests/", include("gongkai.inforequests.console_urls")),
    path("console/topics/", include("gongkai.topics.console_urls")),
    path("console/boards/", include("gongkai.boards.console_urls")),
    path("console/", include("gongkai.console.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("gongkai.api.urls")),
    path("assessments/", include("gongkai.reports.urls")),
    path("", include("gongkai.supervision.urls")),  # /o/<code>/supervision/
    path("", include("gongkai.engagement.urls")),
    path("", include("gongkai.inforequests.urls")),
    path("", include("gongkai.topics.urls")),
    path("", include("gongkai.feeds.urls")),  # feeds, sitemap.xml, robots.txt
    path("", include("gongkai.boards.urls")),  # /o/<code>/board.pdf
    path("", include("gongkai.portal.urls")),
]
