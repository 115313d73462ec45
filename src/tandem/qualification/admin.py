from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tandem.qualification.models import DefinitionVersion, Signoff


class SignoffInline(admin.TabularInline):
    model = Signoff
    extra = 0
    can_delete = False
    readonly_fields = ("side", "user", "signed_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DefinitionVersion)
class DefinitionVersionAdmin(admin.ModelAdmin):
    """Read-only here: versions are proposed and approved on the definitions page."""

    list_display = ("__str__", "status", "proposed_by", "proposed_at", "activated_at")
    list_filter = ("kind", "status")
    inlines = [SignoffInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
