from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import error_responses
from mobility.notifications.models import Notification
from mobility.notifications.selectors import notifications_of
from mobility.notifications.services import notification_mark_read, notifications_mark_all_read
from mobility.notifications.texts import notification_title_body


class NotificationOutput(serializers.ModelSerializer):
    title = serializers.SerializerMethodField(help_text="What happened, in the request's language")
    body = serializers.SerializerMethodField(help_text="One or two sentences with the details")

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "payload", "created_at", "read_at"]

    def get_title(self, notification) -> str:
        return notification_title_body(notification.kind, notification.payload)[0]

    def get_body(self, notification) -> str:
        return notification_title_body(notification.kind, notification.payload)[1]


class NotificationListView(generics.ListAPIView):
    """The signed-in user's notifications, newest first; ``?unread=true`` for unread only."""

    serializer_class = NotificationOutput

    def get_queryset(self):
        unread_only = self.request.query_params.get("unread") in {"1", "true", "yes"}
        return notifications_of(user=self.request.user, unread_only=unread_only)


class NotificationReadView(APIView):
    @extend_schema(request=None, responses={200: NotificationOutput, **error_responses(401, 404)})
    def post(self, request, pk: int):
        notification = notification_mark_read(user=request.user, notification_id=pk)
        return Response(NotificationOutput(notification).data)


class NotificationReadAllView(APIView):
    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("ReadAllOutput", {"marked": serializers.IntegerField()}),
            **error_responses(401),
        },
    )
    def post(self, request):
        return Response({"marked": notifications_mark_all_read(user=request.user)})
