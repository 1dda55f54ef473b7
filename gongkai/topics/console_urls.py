from django.urls import path

from gongkai.topics import console_views

app_name = "topics_console"

urlpatterns = [
    path("", console_views.topic_list, name="list"),
    path("<int:pk>/", console_views.detail, name="detail"),
    path("<int:pk>/answer/<str:action>", console_views.answer, name="answer"),
]
