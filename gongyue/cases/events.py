"""The cases app's audit event types, declared once (ARCHITECTURE.md convention 7): one
TextChoices per noun (cases; disputes, complaints and criticism)."""
