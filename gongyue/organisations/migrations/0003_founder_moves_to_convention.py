# Founder moves to the convention app; its table and rows stay (see convention 0002).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0002_membership"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Founder")],
            database_operations=[],
        ),
    ]
