from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dermawan.core"
    label = "core"
    verbose_name = "dermawan core"
