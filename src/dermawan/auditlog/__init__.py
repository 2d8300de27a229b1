"""Who did what, when: one append-only log every app writes its human actions to."""
