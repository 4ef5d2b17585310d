from django.urls import path

from . import views as v

P = "carsharing/"

urlpatterns = [
    path(f"{P}stations/", v.StationListView.as_view(), name="carsharing-stations"),
    path(f"{P}vehicle-types/", v.VehicleTypeListView.as_view(), name="carsharing-vehicle-types"),
    path(f"{P}vehicles/", v.VehicleListView.as_view(), name="carsharing-vehicles"),
    path(f"{P}vehicles/search/", v.VehicleSearchView.as_view(), name="carsharing-vehicle-search"),
    path(f"{P}vehicles/<int:pk>/", v.VehicleDetailView.as_view(), name="carsharing-vehicle-detail"),
    path(
        f"{P}vehicles/<int:pk>/availability/",
        v.VehicleAvailabilityView.as_view(),
        name="carsharing-vehicle-availability",
    ),
    path(f"{P}vehicles/<int:pk>/defects/", v.VehicleDefectView.as_view(), name="carsharing-vehicle-defects"),
    path(f"{P}defects/", v.DefectListView.as_view(), name="carsharing-defects"),
    path(f"{P}tariffs/", v.TariffListView.as_view(), name="carsharing-tariffs"),
    path(f"{P}quote/", v.QuoteView.as_view(), name="carsharing-quote"),
    path(f"{P}membership/", v.MyMembershipView.as_view(), name="carsharing-my-membership"),
    path(f"{P}memberships/", v.MembershipListView.as_view(), name="carsharing-memberships"),
    path(
        f"{P}memberships/<int:pk>/decision/", v.MembershipDecisionView.as_view(), name="carsharing-membership-decision"
    ),
    path(f"{P}licence-checks/due/", v.LicenceChecksDueView.as_view(), name="carsharing-licence-checks-due"),
    path(f"{P}memberships/<int:pk>/licence-check/", v.LicenceRecheckView.as_view(), name="carsharing-licence-recheck"),
    path(f"{P}reservations/", v.ReservationListView.as_view(), name="carsharing-reservations"),
    path(f"{P}reservations/<int:pk>/", v.ReservationDetailView.as_view(), name="carsharing-reservation-detail"),
    path(
        f"{P}reservations/<int:pk>/confirm/", v.ReservationConfirmView.as_view(), name="carsharing-reservation-confirm"
    ),
    path(f"{P}reservations/<int:pk>/cancel/", v.ReservationCancelView.as_view(), name="carsharing-reservation-cancel"),
    path(f"{P}reservations/<int:pk>/extend/", v.ReservationExtendView.as_view(), name="carsharing-reservation-extend"),
    path(
        f"{P}reservations/<int:pk>/check-in/",
        v.ReservationCheckInView.as_view(),
        name="carsharing-reservation-check-in",
    ),
    path(
        f"{P}reservations/<int:pk>/check-out/",
        v.ReservationCheckOutView.as_view(),
        name="carsharing-reservation-check-out",
    ),
    path(f"{P}reservations/<int:pk>/settle/", v.ReservationSettleView.as_view(), name="carsharing-reservation-settle"),
    path(
        f"{P}reservations/<int:pk>/release/", v.ReservationReleaseView.as_view(), name="carsharing-reservation-release"
    ),
    path(f"{P}reservations/<int:pk>/refund/", v.ReservationRefundView.as_view(), name="carsharing-reservation-refund"),
    path(f"{P}official-trips/", v.OfficialTripView.as_view(), name="carsharing-official-trips"),
    path(f"{P}base-load-blocks/", v.BaseLoadBlockListView.as_view(), name="carsharing-base-load-blocks"),
    path(f"{P}reports/utilisation/", v.UtilisationView.as_view(), name="carsharing-utilisation"),
    path(f"{P}card/setup/", v.CardSetupView.as_view(), name="carsharing-card-setup"),
    path(f"{P}card/", v.CardView.as_view(), name="carsharing-card"),
    path(f"{P}stripe/webhook/", v.StripeWebhookView.as_view(), name="carsharing-stripe-webhook"),
]
