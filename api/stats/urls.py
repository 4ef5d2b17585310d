from django.urls import path

from .views import ChartView, MonthlyReportView, ReportView, UnmetMapView

urlpatterns = [
    path("stats/report/", ReportView.as_view(), name="stats-report"),
    path("stats/monthly-report/", MonthlyReportView.as_view(), name="stats-monthly-report"),
    path("stats/charts/<slug:name>.<slug:fmt>", ChartView.as_view(), name="stats-chart"),
    path("stats/unmet-map.<slug:fmt>", UnmetMapView.as_view(), name="stats-unmet-map"),
]
