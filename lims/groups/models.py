"""Research groups: a lab or team whose members share roles in projects."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class ResearchGroup(models.Model):
    """A research group (a lab, a team): its members get the group's role in every project
    the group is a member of (``projects.GroupMembership``). Facility managers manage groups
    and their members; project managers add groups to their projects."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="research_groups"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("manage:group", kwargs={"slug": self.slug})
