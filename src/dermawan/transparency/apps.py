from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "dermawan.transparency"
    label = "transparency"
    verbose_name = "transparency log"
