from django.apps import AppConfig


class StreamingConfig(AppConfig):
    name = "dermawan.streaming"
    label = "streaming"
    verbose_name = "Order events from NATS JetStream"
