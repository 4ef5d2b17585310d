from django.urls import path

from . import views

urlpatterns = [
    path("me/data-export/", views.DataExportView.as_view(), name="me-data-export"),
    path("me/erasure/", views.ErasureView.as_view(), name="me-erasure"),
    path("users/<int:pk>/erasure/", views.OperatorErasureView.as_view(), name="user-erasure"),
    path("privacy/access-log/", views.AccessLogView.as_view(), name="privacy-access-log"),
]
