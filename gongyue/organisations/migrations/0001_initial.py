# Units and their categories only: accounts.0001 depends on this, and everything that points at
# accounts or convention comes in 0002, so the two apps' migrations do not form a cycle.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Unit",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                (
                    "uscc",
                    models.CharField(
                        blank=True,
                        max_length=18,
                        null=True,
                        unique=True,
                        verbose_name="Unified Social Credit Code",
                    ),
                ),
                (
                    "legal_rep_name",
                    models.CharField(
                        blank=True, max_length=100, verbose_name="legal representative"
                    ),
                ),
                (
                    "city",
                    models.CharField(blank=True, db_index=True, max_length=50, verbose_name="city"),
                ),
                ("address", models.CharField(blank=True, max_length=300, verbose_name="address")),
                (
                    "icp_numbers",
                    models.JSONField(blank=True, default=list, verbose_name="ICP filing numbers"),
                ),
                ("websites", models.JSONField(blank=True, default=list, verbose_name="websites")),
                (
                    "contact_name",
                    models.CharField(blank=True, max_length=100, verbose_name="contact person"),
                ),
                (
                    "contact_phone",
                    models.CharField(blank=True, max_length=30, verbose_name="contact phone"),
                ),
                (
                    "contact_email",
                    models.EmailField(blank=True, max_length=254, verbose_name="contact email"),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="created"),
                ),
            ],
            options={
                "verbose_name": "unit",
                "verbose_name_plural": "units",
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="UnitCategory",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        choices=[
                            ("info_service", "internet information service provider"),
                            ("access_provider", "internet access provider"),
                            ("venue_operator", "internet café or venue operator"),
                            ("product_maker", "maker of internet information products"),
                            ("research_education", "research and education"),
                            ("other", "other"),
                        ],
                        max_length=32,
                        verbose_name="category",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="categories",
                        to="organisations.unit",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["code", "unit"], name="organisatio_code_b3a2a5_idx")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("unit", "code"), name="a_category_once_per_unit"
                    )
                ],
            },
        ),
    ]
