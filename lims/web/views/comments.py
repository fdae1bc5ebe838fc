"""Adding, editing and deleting comments on datasets and files."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lims.comments.forms import CommentForm
from lims.comments.models import Comment
from lims.comments.services import comment_create, comment_delete, comment_update
from lims.core.permissions import Action, require
from lims.datasets.models import Dataset
from lims.files.models import InstrumentFile


def _back(target: Any, anchor: str = "comments") -> HttpResponse:
    return redirect(f"{target.get_absolute_url()}#{anchor}")


def _create(request: HttpRequest, target: Dataset | InstrumentFile) -> HttpResponse:
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A comment needs some text (at most 10,000 characters).")
        return _back(target)
    try:
        comment = comment_create(author=request.user, body=form.cleaned_data["body"], target=target)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(target)
    messages.success(request, "Comment added.")
    return _back(target, f"comment-{comment.pk}")


@login_required
@require_POST
def comment_on_dataset(request: HttpRequest, uid: Any) -> HttpResponse:
    dataset = get_object_or_404(Dataset.objects.visible_to(request.user), uid=uid)
    return _create(request, dataset)


@login_required
@require_POST
def comment_on_file(request: HttpRequest, uid: Any) -> HttpResponse:
    file = get_object_or_404(
        InstrumentFile.objects.visible_to(request.user).select_related("dataset__project"),
        uid=uid,
    )
    return _create(request, file)


def _comment_or_404(request: HttpRequest, pk: int) -> Comment:
    return get_object_or_404(
        Comment.objects.visible_to(request.user).select_related(
            "author", "dataset__project", "file__dataset__project"
        ),
        pk=pk,
    )


@login_required
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Its author changes a comment's text."""
    comment = _comment_or_404(request, pk)
    require(request.user, Action.EDIT, comment, "Only the author may edit a comment.")
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            comment_update(comment=comment, user=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error("body", error)
        else:
            messages.success(request, "Comment saved.")
            return _back(comment.target, f"comment-{comment.pk}")
    return render(request, "comments/edit.html", {"form": form, "comment": comment})


@login_required
@require_POST
def comment_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Its author (or a project manager) deletes a comment."""
    comment = _comment_or_404(request, pk)
    target = comment.target
    comment_delete(comment=comment, user=request.user)
    messages.success(request, "Comment deleted.")
    return _back(target)
