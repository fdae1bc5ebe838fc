"""Instruments are recognized by identity: exact microscope names and a serial number."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("instruments", "0001_initial")]

    operations = [
        migrations.RenameField("instrument", "match_patterns", "microscope_names"),
        migrations.AlterField(
            model_name="instrument",
            name="microscope_names",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="The microscope names its files write, each exactly (case and spacing "
                'aside), e.g. "TitanCubed 300 kV D3128 UltraTwin".',
            ),
        ),
        migrations.AddField(
            model_name="instrument",
            name="serial_number",
            field=models.CharField(
                blank=True,
                help_text="As the files record it (a Velox InstrumentId, e.g. 3617).",
                max_length=100,
            ),
        ),
    ]
