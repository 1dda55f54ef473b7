from django.urls import path

from gongkai.boards import views

app_name = "boards"

urlpatterns = [
    path("o/<str:code>/board.pdf", views.public_board, name="public"),
    path("o/<str:code>/board/inside.pdf", views.inside_board, name="inside"),
]
