"""A booking-like endpoint for testing the Idempotency-Key machinery on its own."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from mobility.errors import Conflict
from mobility.notifications.models import Notification


class CreateThing(APIView):
    @idempotent
    def post(self, request):
        if request.data.get("refuse"):
            raise Conflict("Refused.", code="refused")
        created = Notification.objects.create(user=request.user, kind="thing", payload=request.data)
        return Response({"id": created.pk, "payload": created.payload}, status=201)


urlpatterns = [path("things/", CreateThing.as_view())]
