# Founder moves here from the organisations app: the model takes over the existing table, rows
# included, and the table is then renamed to this app's name.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("convention", "0001_initial"),
        ("organisations", "0003_founder_moves_to_convention"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Founder",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("named_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "convention",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="founders",
                                to="convention.convention",
                            ),
                        ),
                        (
                            "unit",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="founded",
                                to="organisations.unit",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "founder",
                        "verbose_name_plural": "founders",
                        "ordering": ["unit__name"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("convention", "unit"), name="a_founder_once_per_convention"
                            )
                        ],
                        "db_table": "organisations_founder",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="founder", table=None),
    ]
