from django.contrib import admin

from .models import SearchLog


@admin.register(SearchLog)
class SearchLogAdmin(admin.ModelAdmin):
    list_display = ("time_bin", "origin_zone", "destination_zone", "modes", "results")
    list_filter = ("modes",)
    date_hierarchy = "time_bin"
