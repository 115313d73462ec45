from django.contrib.auth import views as auth_views
from django.urls import path

from tandem.web import (
    closedloop_views,
    inbox_views,
    opportunity_views,
    scoring_views,
    token_views,
    views,
)

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("contacts/", views.contact_list, name="contacts"),
    path("contacts/<int:contact_id>/", views.contact_detail, name="contact"),
    path("contacts/<int:contact_id>/move/", views.contact_move, name="contact-move"),
    path("definitions/", views.definitions, name="definitions"),
    path("definitions/propose/", views.definition_propose, name="definition-propose"),
    path(
        "definitions/<int:version_id>/approve/", views.definition_approve, name="definition-approve"
    ),
    path(
        "definitions/<int:version_id>/withdraw/",
        views.definition_withdraw,
        name="definition-withdraw",
    ),
    path(
        "definitions/<int:version_id>/preview/", views.definition_preview, name="definition-preview"
    ),
    path("definitions/check/", views.definition_check, name="definition-check"),
    path("scoring/", scoring_views.overview, name="scoring"),
    path("scoring/rescore/", scoring_views.rescore, name="scoring-rescore"),
    path("scoring/rules/", scoring_views.rules, name="scoring-rules"),
    path("scoring/rules/preview/", scoring_views.rules_preview, name="scoring-rules-preview"),
    path(
        "scoring/rules/<int:ruleset_id>/activate/",
        scoring_views.activate_rules,
        name="scoring-rules-activate",
    ),
    path("scoring/models/", scoring_views.models, name="scoring-models"),
    path("scoring/models/train/", scoring_views.train_model, name="scoring-train"),
    path("scoring/models/<int:model_id>/", scoring_views.model_card, name="scoring-model"),
    path(
        "scoring/models/<int:model_id>/activate/",
        scoring_views.activate_model,
        name="scoring-model-activate",
    ),
    path("jobs/<int:job_id>/", scoring_views.job_status, name="job"),
    path("settings/tokens/", token_views.tokens, name="tokens"),
    path("settings/tokens/<int:token_id>/revoke/", token_views.token_revoke, name="token-revoke"),
    path("opportunities/", opportunity_views.opportunity_list, name="opportunities"),
    path(
        "opportunities/<int:opportunity_id>/",
        opportunity_views.opportunity_detail,
        name="opportunity",
    ),
    path(
        "opportunities/<int:opportunity_id>/stage/",
        opportunity_views.opportunity_stage,
        name="opportunity-stage",
    ),
    path("closed-loop/", closedloop_views.closed_loop, name="closed-loop"),
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/read-all/", inbox_views.inbox_read_all, name="inbox-read-all"),
    path("inbox/<int:notification_id>/read/", inbox_views.inbox_read, name="inbox-read"),
    path("inbox/<int:notification_id>/open/", inbox_views.inbox_open, name="inbox-open"),
]
