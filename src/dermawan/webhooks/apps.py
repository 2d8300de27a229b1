from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "dermawan.webhooks"
    label = "webhooks"
    verbose_name = "outgoing webhooks"
