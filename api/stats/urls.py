from django.urls import path

from .views import ChartView, ReportView

urlpatterns = [
    path("stats/report/", ReportView.as_view(), name="stats-report"),
    path("stats/charts/<slug:name>.<slug:fmt>", ChartView.as_view(), name="stats-chart"),
]
