"""One list view for "my bookings" of a kind (Bürgerbus seats, Rufbus rides): GET lists the
signed-in resident's own, POST books one (``Idempotency-Key`` honoured). The apps' views name
their serializers, their selector and their service; this class only translates HTTP."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.idempotency import idempotent
from api.permissions import IsResident


class OwnBookingListView(generics.ListAPIView):
    """Subclasses set ``serializer_class`` (the output), ``input_serializer``, and implement
    ``own_bookings`` (the app's selector) and ``book`` (the app's service). Their POST schema
    is declared with ``extend_schema_view(post=…)``."""

    permission_classes = [IsResident]
    input_serializer: type[serializers.Serializer]

    def own_bookings(self, user: Any) -> QuerySet[Any]:
        raise NotImplementedError

    def book(self, request: Request, values: dict[str, Any]) -> Model:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        return self.own_bookings(self.request.user)

    @idempotent
    def post(self, request: Request) -> Response:
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = self.book(request, data.validated_data)
        return Response(self.get_serializer_class()(booking).data, status=status.HTTP_201_CREATED)
