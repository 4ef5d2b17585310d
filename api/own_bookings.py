"""One list view for "my bookings" of a kind (Bürgerbus seats, Rufbus rides): GET lists the
signed-in resident's own, POST books one (``Idempotency-Key`` honoured). The apps' views name
their serializers, their selector and their service; this class only translates HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.db.models import Model, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.idempotency import IDEMPOTENCY_HEADER, idempotent
from api.permissions import IsResident
from api.schema import error_responses


class OwnBookingListView(generics.ListAPIView):
    """Subclasses set ``serializer_class`` (the output), ``input_serializer``, ``own_bookings``
    (the app's selector, called with ``user=``) and implement ``book`` (the app's service);
    ``errors=(…)`` in the class statement lists the POST's error statuses for the schema."""

    permission_classes = [IsResident]
    input_serializer: ClassVar[type[serializers.Serializer]]
    own_bookings: ClassVar[Callable[..., QuerySet[Any]]]

    def __init_subclass__(cls, errors: tuple[int, ...] = (), **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        extend_schema_view(
            post=extend_schema(
                request=cls.input_serializer,
                parameters=[IDEMPOTENCY_HEADER],
                responses={201: cls.serializer_class, **error_responses(*errors)},
            )
        )(cls)

    def book(self, request: Request, values: dict[str, Any]) -> Model:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        return type(self).own_bookings(user=self.request.user)

    @idempotent
    def post(self, request: Request) -> Response:
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = self.book(request, data.validated_data)
        return Response(self.get_serializer_class()(booking).data, status=status.HTTP_201_CREATED)
