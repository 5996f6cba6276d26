from django.urls import path

from . import views

urlpatterns = [
    path("", views.recipe_list, name="recipe_list"),
    path("new/", views.recipe_create, name="recipe_create"),
    path("quick-add/", views.quick_add, name="quick_add"),
    path("import/", views.import_recipe, name="import_recipe"),
    path("import/check/", views.check_import_file, name="check_import_file"),
    path("import/url/", views.import_from_url, name="import_from_url"),
    path("<int:pk>/", views.recipe_detail, name="recipe_detail"),
    path("<int:pk>/rate/", views.rate_recipe, name="rate_recipe"),
    path("<int:pk>/like/", views.like_recipe, name="like_recipe"),
    path("<int:pk>/widget/", views.rating_widget, name="rating_widget"),
    path("hooks/newsletter/", views.newsletter_webhook, name="newsletter_webhook"),
]
