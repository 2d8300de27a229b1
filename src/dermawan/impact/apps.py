from django.apps import AppConfig


class ImpactConfig(AppConfig):
    name = "dermawan.impact"
    label = "impact"
    verbose_name = "Impact: progress reports and money over time"

    def ready(self) -> None:
        from dermawan.donations import hooks
        from dermawan.impact import rollups

        # Money per project and day, and per campaign, in every engine batch's transaction.
        hooks.after_write(rollups.record)
