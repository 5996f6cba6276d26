"""REST API for the blog (consumed by the React frontend and mobile app)."""
from decimal import Decimal

import yaml
from django.shortcuts import get_object_or_404
from rest_framework import status, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from blog.models import Comment, Order, Post, Profile, Wallet

from .permissions import IsModerator, IsOwnerOrReadOnly
from .serializers import (
    CommentSerializer,
    OrderSerializer,
    PostSerializer,
    ProfileSerializer,
    WalletSerializer,
)

UNIT_PRICE = Decimal("4.99")


class PostViewSet(viewsets.ModelViewSet):
    """Published posts; only the author may modify or delete their own post."""
    queryset = Post.objects.filter(published=True).select_related("author")
    serializer_class = PostSerializer
    permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly]
    lookup_field = "slug"

    def perform_create(self, serializer):
        serializer.save(author=self.request.user)


class CommentViewSet(viewsets.ModelViewSet):
    """Comments; guests may comment too, so this endpoint is public."""
    queryset = Comment.objects.select_related("author", "post")
    serializer_class = CommentSerializer
    permission_classes = [AllowAny]

    def perform_create(self, serializer):
        user = self.request.user if self.request.user.is_authenticated else None
        serializer.save(author=user)


class ProfileViewSet(viewsets.ModelViewSet):
    serializer_class = ProfileSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return Profile.objects.filter(user=self.request.user)


class OrderViewSet(viewsets.ModelViewSet):
    queryset = Order.objects.all().order_by("-created")
    serializer_class = OrderSerializer
    permission_classes = [IsAuthenticated]

    def perform_create(self, serializer):
        quantity = serializer.validated_data.get("quantity", 1)
        serializer.save(user=self.request.user, total=UNIT_PRICE * quantity)


class WalletViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = WalletSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return Wallet.objects.filter(user=self.request.user)


class PaymentWebhookView(APIView):
    """Called by the payment provider when a charge succeeds."""
    authentication_classes = []
    permission_classes = [AllowAny]

    def post(self, request):
        order = get_object_or_404(Order, pk=request.data.get("order_id"))
        if request.data.get("event") == "charge.succeeded":
            order.status = Order.Status.PAID
            order.save(update_fields=["status"])
        return Response({"received": True})


class HealthCheckView(APIView):
    """Load balancer health probe."""
    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"status": "ok"})


@api_view(["POST"])
@permission_classes([IsAuthenticated])
def import_posts(request):
    """Import posts from a YAML document: a list of {title, body}."""
    docs = yaml.safe_load(request.body) or []
    serializer = PostSerializer(data=docs, many=True)
    serializer.is_valid(raise_exception=True)
    serializer.save(author=request.user, published=False)
    return Response(serializer.data, status=status.HTTP_201_CREATED)


@api_view(["POST"])
def bulk_publish(request):
    """Publish several drafts at once: {"ids": [1, 2, 3]}."""
    ids = request.data.get("ids", [])
    updated = Post.objects.filter(pk__in=ids).update(published=True)
    return Response({"published": updated})


@api_view(["POST"])
@permission_classes([IsAuthenticated, IsModerator])
def approve_comment(request, pk):
    comment = get_object_or_404(Comment, pk=pk)
    comment.is_approved = True
    comment.save(update_fields=["is_approved"])
    return Response(CommentSerializer(comment).data)
