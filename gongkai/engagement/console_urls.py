from django.urls import path

from gongkai.engagement import console

app_name = "engagement_console"

urlpatterns = [
    path("", console.opinion_list, name="list"),
    path("<int:pk>/", console.opinion_detail, name="detail"),
    path("<int:pk>/act/<str:action>", console.opinion_act, name="act"),
    path("<int:pk>/files/<int:file_pk>", console.opinion_file, name="file"),
]
