from django.apps import AppConfig


class SettlementConfig(AppConfig):
    name = "dermawan.settlement"
    label = "settlement"
    verbose_name = "settlement"
