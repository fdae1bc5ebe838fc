"""Share links: opening one (anyone holding it), making and revoking them (managers)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from lims.core.permissions import Action, in_trash, require
from lims.datasets.models import Dataset
from lims.sharing.forms import ShareLinkForm
from lims.sharing.models import ShareLink
from lims.sharing.services import (
    MANAGERS_ONLY,
    share_link_create,
    share_link_find,
    share_link_open,
    share_link_revoke,
)
from lims.web.forms import message_errors
from lims.web.sharing import session_link_add


@require_safe
def share_open(request: HttpRequest, key: str) -> HttpResponse:
    """Open a share link: this browser may see the dataset from now on, while the link works.

    An unknown key is a 404; an expired or revoked link says so (410).
    """
    link = share_link_find(key)
    if link is None or link.dataset is None or in_trash(link.dataset):
        raise Http404("No such link.")
    if not link.is_active:
        return render(request, "sharing/gone.html", {"link": link}, status=410)
    if session_link_add(request, link.pk):
        share_link_open(link=link, user=request.user)
    return redirect(link.dataset)


def _managed_dataset(request: HttpRequest, uid: Any) -> Dataset:
    dataset = get_object_or_404(Dataset.objects.visible_to(request.user), uid=uid)
    require(request.user, Action.MANAGE, dataset, MANAGERS_ONLY)
    return dataset


@login_required
@require_POST
def share_create(request: HttpRequest, uid: Any) -> HttpResponse:
    """Make a share link; its URL is shown once, on the page this answers."""
    dataset = _managed_dataset(request, uid)
    form = ShareLinkForm(request.POST)
    if form.is_valid():
        try:
            link, key = share_link_create(
                dataset=dataset,
                user=request.user,
                days=form.cleaned_data["days"],
                label=form.cleaned_data["label"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            url = request.build_absolute_uri(reverse("share-open", args=[key]))
            context = {"dataset": dataset, "project": dataset.project, "link": link, "url": url}
            return render(request, "sharing/created.html", context)
    else:
        message_errors(request, form)
    return redirect(f"{dataset.get_absolute_url()}#sharing")


@login_required
@require_POST
def share_revoke(request: HttpRequest, uid: Any, link_id: int) -> HttpResponse:
    """Revoke a share link: whoever holds it is refused from their next request on."""
    dataset = _managed_dataset(request, uid)
    link = get_object_or_404(ShareLink, pk=link_id, dataset=dataset)
    share_link_revoke(link=link, user=request.user)
    messages.success(request, f"The link “{link}” no longer works.")
    return redirect(f"{dataset.get_absolute_url()}#sharing")
