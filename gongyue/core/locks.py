"""A counter row that serialises writers: the audit chain's head, the lexicon's version number."""

from contextlib import suppress

from django.db import IntegrityError, transaction
from django.db.models import F


def bump_singleton(model, field: str):
    """Add one to `field` of the model's single row (pk 1), creating the row if missing, and
    return the row locked until the surrounding transaction ends.

    The UPDATE comes first so that concurrent writers queue on its lock (a row lock on
    PostgreSQL, the database write lock on SQLite) instead of reading the same value.
    """
    if not model.objects.filter(pk=1).update(**{field: F(field) + 1}):
        # Another writer may create the row at the same moment; either way it exists after.
        with suppress(IntegrityError), transaction.atomic():
            model.objects.create(pk=1, **{field: 0})
        model.objects.filter(pk=1).update(**{field: F(field) + 1})
    return model.objects.select_for_update().get(pk=1)
