from django.contrib.auth import get_user_model
from rest_framework import serializers

from blog.models import Comment, Order, Post, Profile, Wallet

User = get_user_model()


class AuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name"]


class PostSerializer(serializers.ModelSerializer):
    author = AuthorSerializer(read_only=True)

    class Meta:
        model = Post
        fields = ["id", "title", "slug", "body", "published", "author", "created", "updated"]
        read_only_fields = ["slug", "created", "updated"]


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "post", "author", "body", "is_approved", "created"]
        read_only_fields = ["is_approved", "created"]


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = Profile
        fields = "__all__"


class WalletSerializer(serializers.ModelSerializer):
    class Meta:
        model = Wallet
        fields = "__all__"
        read_only_fields = ["user", "balance", "updated"]


class OrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ["id", "product", "quantity", "total", "status", "shipping_address", "created"]
        read_only_fields = ["total", "status", "created"]
