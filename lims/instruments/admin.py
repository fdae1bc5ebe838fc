from __future__ import annotations

from django.contrib import admin

from lims.instruments.models import Instrument


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["name", "vendor", "model", "serial_number", "location", "active", "file_count"]
    list_filter = ["active", "vendor", "location"]
    search_fields = ["name", "vendor", "model", "serial_number", "location", "description"]

    @admin.display(description="files")
    def file_count(self, obj: Instrument) -> int:
        return obj.files.count()
