"""``GET /api/v1/journeys/``: one search over buses, the Bürgerbus, ride-sharing and car-sharing."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import error_responses
from api.throttles import SearchRateThrottle
from journeys.one_search import SearchQuery, journeys_search
from mobility.errors import ValidationFailed

from .serializers import JourneyQueryInput, JourneySearchOutput, shared


class JourneySearchView(APIView):
    """Every way from A to B: transit (with the Bürgerbus), carpools, carpool + bus, car-sharing.

    Public: a search shows no personal data (carpool places are meeting points or the
    searcher's own positions). Booking needs an account; each option lists its requests.
    """

    permission_classes = [AllowAny]
    throttle_classes = [SearchRateThrottle]

    @extend_schema(parameters=[JourneyQueryInput], responses={200: JourneySearchOutput, **error_responses(400, 429)})
    def get(self, request):
        data = JourneyQueryInput(data=request.query_params)
        if not data.is_valid():
            raise ValidationFailed("The search is not valid.", code="validation_error", fields=data.errors)
        values = data.validated_data
        query = SearchQuery(
            origin=values["from"],
            destination=values["to"],
            depart_at=values.get("depart_at"),
            arrive_by=values.get("arrive_by"),
            max_walk_m=values["max_walk_m"],
            max_transfers=values["max_transfers"],
            seats=values["seats"],
            modes=values["modes"],
            rental_hours=values["rental_hours"],
            pickup_mode=values["pickup"],
            window_min=values["window_min"],
            max_duration_min=values["max_duration_min"],
            women_drivers_only=values["women_drivers_only"],
        )
        later: list = []
        result = journeys_search(query=query, user=request.user, after_answer=later.append)
        response = Response(shared(JourneySearchOutput).to_representation(result))
        # Django calls a response's closers once the body is sent (ASGI and WSGI alike): the
        # search log is queued after the searcher has the answer.
        response._resource_closers.extend(later)
        return response
