from django.urls import path

from gongkai.topics import views

app_name = "topics"

urlpatterns = [
    path("o/<str:code>/topics/", views.topic_list, name="list"),
    path("o/<str:code>/topics/new", views.propose, name="propose"),
    path("o/<str:code>/topics/<int:pk>/", views.detail, name="detail"),
    path("o/<str:code>/topics/<int:pk>/support", views.support, name="support"),
]
