from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tandem.crm.models import (
    Account,
    Campaign,
    Contact,
    Opportunity,
    OpportunityContact,
    StageTransition,
    Touchpoint,
)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "domain", "industry", "employee_count", "country", "owner")
    list_filter = ("industry", "country")
    search_fields = ("name", "domain")
    raw_id_fields = ("owner",)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "channel", "starts_on", "ends_on", "budget", "actual_cost")
    list_filter = ("channel",)
    search_fields = ("name", "utm_campaign")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("email", "first_name", "last_name", "lifecycle_stage", "grade", "owner")
    list_filter = ("lifecycle_stage", "seniority", "source_channel")
    search_fields = ("email", "first_name", "last_name")
    raw_id_fields = ("account", "owner", "original_campaign")
    # The stage changes only through a transition, so it is checked and recorded.
    readonly_fields = ("lifecycle_stage", "created_at", "updated_at")


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = ("contact", "type", "channel", "campaign", "occurred_at")
    list_filter = ("type", "channel")
    raw_id_fields = ("contact", "campaign")
    date_hierarchy = "occurred_at"


class CommitteeInline(admin.TabularInline):
    model = OpportunityContact
    raw_id_fields = ("contact",)
    extra = 0


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "amount", "currency", "stage", "outcome", "close_date")
    list_filter = ("outcome", "stage")
    search_fields = ("name", "account__name")
    raw_id_fields = ("account", "owner")
    inlines = [CommitteeInline]


@admin.register(StageTransition)
class StageTransitionAdmin(admin.ModelAdmin):
    """Read-only: the lifecycle history is never edited."""

    list_display = ("contact", "from_stage", "to_stage", "kind", "occurred_at", "actor", "rule")
    list_filter = ("to_stage", "kind")
    raw_id_fields = ("contact",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
