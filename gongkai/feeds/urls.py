"""Feeds, the sitemap and robots.txt, mounted at the site root by gongkai/urls.py."""

from django.urls import path

from gongkai.feeds import views

app_name = "feeds"

urlpatterns = [
    path("feed.rss", views.latest_rss, name="latest_rss"),
    path("feed.atom", views.latest_atom, name="latest_atom"),
    path("o/<str:code>/feed.rss", views.organization_rss, name="organization_rss"),
    path("o/<str:code>/feed.atom", views.organization_atom, name="organization_atom"),
    path(
        "o/<str:code>/subtree/feed.rss",
        views.organization_rss,
        {"subtree": True},
        name="subtree_rss",
    ),
    path(
        "o/<str:code>/subtree/feed.atom",
        views.organization_atom,
        {"subtree": True},
        name="subtree_atom",
    ),
    path("o/<str:code>/c/<str:category>/feed.rss", views.category_rss, name="category_rss"),
    path("o/<str:code>/c/<str:category>/feed.atom", views.category_atom, name="category_atom"),
    path("sitemap.xml", views.sitemap_index, name="sitemap"),
    path("sitemap-<str:section>.xml", views.sitemap_section, name="sitemap_section"),
    path("robots.txt", views.robots_txt, name="robots"),
]
