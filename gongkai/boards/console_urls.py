from django.urls import path

from gongkai.boards import console_views

app_name = "boards_console"

urlpatterns = [
    path("<str:code>/", console_views.board, name="board"),
    path("<str:code>/board.pdf", console_views.board_pdf, name="pdf"),
    path("<str:code>/spec", console_views.spec_edit, name="spec"),
    path("<str:code>/postings/<int:pk>/photo", console_views.posting_photo, name="photo"),
]
