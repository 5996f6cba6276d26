from django.conf import settings
from django.db import models


class Recipe(models.Model):
    CUISINES = [
        ("italian", "Italian"),
        ("mexican", "Mexican"),
        ("indian", "Indian"),
        ("japanese", "Japanese"),
        ("other", "Other"),
    ]

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recipes")
    title = models.CharField(max_length=150)
    ingredients = models.TextField(help_text="One ingredient per line")
    instructions = models.TextField()
    servings = models.PositiveSmallIntegerField(default=2)
    cuisine = models.CharField(max_length=20, choices=CUISINES, default="other")
    source_url = models.URLField(blank=True)
    is_featured = models.BooleanField(default=False)
    likes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.title


class Rating(models.Model):
    recipe = models.ForeignKey(Recipe, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    stars = models.PositiveSmallIntegerField()

    class Meta:
        unique_together = ("recipe", "user")


class Subscriber(models.Model):
    email = models.EmailField(unique=True)
    confirmed = models.BooleanField(default=False)
