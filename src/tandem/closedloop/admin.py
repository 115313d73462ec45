from django.contrib import admin

from tandem.closedloop.models import AttributionSettings


@admin.register(AttributionSettings)
class AttributionSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "lookback_days", "half_life_days", "updated_at", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]

    def has_add_permission(self, request):
        return not AttributionSettings.objects.exists()

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
