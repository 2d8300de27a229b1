from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "dermawan.transparency"
    label = "transparency"
    verbose_name = "transparency log"

    def ready(self) -> None:
        from dermawan.donations import hooks
        from dermawan.transparency import appending, recording

        # Each engine batch encodes its leaves in its own transaction; they
        # join the tree once it has committed (decision 0041).
        hooks.after_write(recording.record_effects)
        hooks.after_commit(appending.append_after_commit)
