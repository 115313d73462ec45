from django.apps import AppConfig


class ClosedLoopConfig(AppConfig):
    name = "tandem.closedloop"
    label = "closedloop"
    verbose_name = "Closed-loop reporting"

    def ready(self) -> None:
        from tandem.closedloop.tasks import on_opportunity_won
        from tandem.crm.signals import opportunity_won

        opportunity_won.connect(on_opportunity_won, dispatch_uid="closedloop-deal-won")
