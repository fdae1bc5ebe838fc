"""The facility's instruments and the files recorded on each."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from lims.core.pagination import paginate
from lims.core.permissions import file_filter
from lims.files.models import InstrumentFile
from lims.instruments.models import Instrument


def instrument_list(request: HttpRequest) -> HttpResponse:
    """Every instrument, with the number of files the user may see from it."""
    instruments = Instrument.objects.annotate(
        n_files=Count("files", filter=file_filter(request.user, prefix="files__"))
    ).order_by("-active", "name")
    return render(request, "instruments/list.html", {"instruments": instruments})


def instrument_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One instrument and the latest files the user may see from it."""
    instrument = get_object_or_404(Instrument, pk=pk)
    files = (
        InstrumentFile.objects.visible_to(request.user)
        .filter(Q(instrument=instrument))
        .select_related("dataset")
        .defer("metadata", "signals", "original_metadata")
        .order_by("-acquired_at", "-uploaded_at")
    )
    context = {"instrument": instrument, **paginate(request, files)}
    return render(request, "instruments/detail.html", context)
