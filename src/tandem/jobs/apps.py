from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "tandem.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
