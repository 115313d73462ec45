from django.apps import AppConfig


class QualificationConfig(AppConfig):
    name = "tandem.qualification"
    label = "qualification"
    verbose_name = "Qualification"
