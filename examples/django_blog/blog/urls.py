from django.urls import path

from . import views

app_name = "blog"

urlpatterns = [
    path("", views.post_list, name="post_list"),
    path("search/", views.search, name="search"),
    path("archive/", views.archive, name="archive"),
    path("drafts/", views.DraftListView.as_view(), name="drafts"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("language/", views.switch_language, name="switch_language"),
    path("posts/new/", views.post_create, name="post_create"),
    path("posts/import/", views.import_posts, name="post_import"),
    path("posts/restore-draft/", views.restore_draft, name="restore_draft"),
    path("posts/export/", views.export_archive, name="export_archive"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:pk>/update/", views.PostUpdateView.as_view(), name="post_update"),
    path("posts/<int:pk>/delete/", views.post_delete, name="post_delete"),
    path("posts/<int:pk>/publish/", views.post_toggle_publish, name="post_toggle_publish"),
    path("posts/<int:pk>/stats/", views.post_stats, name="post_stats"),
    path("posts/<int:pk>/export/", views.export_post, name="post_export"),
    path("posts/<int:pk>/tip/", views.tip_author, name="tip_author"),
    path("comments/<int:pk>/approve/", views.comment_approve, name="comment_approve"),
    path("profile/", views.profile_edit, name="profile_edit"),
    path("profile/onboarding/", views.profile_onboarding, name="profile_onboarding"),
    path("premium/buy/", views.buy_premium, name="buy_premium"),
    path("<slug:slug>/", views.post_detail, name="post_detail"),
    path("<slug:slug>/embed/", views.post_embed, name="post_embed"),
    path("<slug:slug>/comment/", views.add_comment, name="add_comment"),
]
