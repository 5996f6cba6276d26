from django.urls import path

from . import views

urlpatterns = [
    path("", views.post_list, name="post_list"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("posts/new/", views.post_create, name="post_create"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:pk>/delete/", views.post_delete, name="post_delete"),
    path("posts/<int:pk>/preview/", views.post_preview, name="post_preview"),
    path("p/<slug:slug>/", views.post_detail, name="post_detail"),
    path("p/<slug:slug>/comment/", views.add_comment, name="add_comment"),
    path("p/<slug:slug>/approve-comments/", views.approve_all_comments, name="approve_comments"),
]
