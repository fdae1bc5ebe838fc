"""The web pages' URLs, grouped by namespace (``files:detail``, ``datasets:edit``…)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from lims.web.views import (
    accounts,
    audit,
    comments,
    datasets,
    downloads,
    facility,
    files,
    groups,
    health,
    home,
    instruments,
    invitations,
    notes,
    people,
    projects,
    search,
    sharing,
    trash,
)

account_patterns = [
    path("", accounts.account, name="account"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

project_patterns = [
    path("", projects.project_list, name="list"),
    path("new/", projects.project_create_view, name="create"),
    path("<slug:slug>/", projects.project_detail, name="detail"),
    path("<slug:slug>/edit/", projects.project_edit, name="edit"),
    path("<slug:slug>/members/", projects.member_add, name="member-add"),
    path("<slug:slug>/members/<int:user_id>/", projects.member_update, name="member-update"),
    path("<slug:slug>/groups/", projects.group_add, name="group-add"),
    path("<slug:slug>/groups/<int:group_id>/", projects.group_update, name="group-update"),
    path("<slug:slug>/delete/", projects.project_delete, name="delete"),
    path("<slug:slug>/audit/", audit.project_audit, name="audit"),
]

dataset_patterns = [
    path("new/in/<slug:slug>/", datasets.dataset_create_view, name="create"),
    path("<uuid:uid>/", datasets.dataset_detail, name="detail"),
    path("<uuid:uid>/edit/", datasets.dataset_edit, name="edit"),
    path("<uuid:uid>/upload/", datasets.dataset_upload, name="upload"),
    path("<uuid:uid>/reextract/", datasets.dataset_reextract, name="reextract"),
    path("<uuid:uid>/delete/", datasets.dataset_delete, name="delete"),
    path("<uuid:uid>/share/", sharing.share_create, name="share"),
    path("<uuid:uid>/share/<int:link_id>/revoke/", sharing.share_revoke, name="share-revoke"),
]

file_patterns = [
    path("<uuid:uid>/", files.file_detail, name="detail"),
    path("<uuid:uid>/status/", files.file_status, name="status"),
    path("<uuid:uid>/compare/", files.file_compare, name="compare"),
    path("<uuid:uid>/reextract/", files.file_reextract, name="reextract"),
    path("<uuid:uid>/delete/", files.file_delete, name="delete"),
    path("<uuid:uid>/instrument/", files.file_instrument, name="instrument"),
    path("<uuid:uid>/tags/", notes.file_tags, name="tags"),
    path("<uuid:uid>/signals/<int:index>/spectrum.json", files.file_spectrum, name="spectrum"),
    path("<uuid:uid>/signals/<int:index>/map.json", files.file_signal_map, name="signal-map"),
    path("<uuid:uid>/signals/<int:index>/point.json", files.file_signal_point, name="signal-point"),
    path(
        "<uuid:uid>/signals/<int:index>/pattern.png",
        files.file_signal_pattern,
        name="signal-pattern",
    ),
    path("<uuid:uid>/download/", downloads.download, name="download"),
    path(
        "<uuid:uid>/companions/<int:companion_id>/download/",
        downloads.companion_download,
        name="companion-download",
    ),
    path("<uuid:uid>/preview.png", downloads.preview, name="preview"),
    path("<uuid:uid>/thumbnail.png", downloads.thumbnail, name="thumbnail"),
    path(
        "<uuid:uid>/signals/<int:index>/<str:variant>.png",
        downloads.signal_preview,
        name="signal-preview",
    ),
    path(
        "<uuid:uid>/signals/<int:index>/frames/<int:frame>.png",
        downloads.signal_frame,
        name="signal-frame",
    ),
]

comment_patterns = [
    path("on/dataset/<uuid:uid>/", comments.comment_on_dataset, name="on-dataset"),
    path("on/file/<uuid:uid>/", comments.comment_on_file, name="on-file"),
    path("<int:pk>/edit/", comments.comment_edit, name="edit"),
    path("<int:pk>/delete/", comments.comment_delete_view, name="delete"),
]

note_patterns = [
    path("on/dataset/<uuid:uid>/", notes.note_on_dataset, name="on-dataset"),
    path("on/file/<uuid:uid>/", notes.note_on_file, name="on-file"),
    path("<int:pk>/edit/", notes.note_edit, name="edit"),
    path("<int:pk>/delete/", notes.note_remove, name="delete"),
]

instrument_patterns = [
    path("", instruments.instrument_list, name="list"),
    path("<int:pk>/", instruments.instrument_detail, name="detail"),
]

facility_patterns = [
    path("", facility.dashboard, name="dashboard"),
    path("projects/", facility.projects, name="projects"),
    path("people/", people.people, name="people"),
    path("people/new/", people.person_create, name="person-create"),
    path("people/<int:user_id>/", people.person_detail, name="person"),
    path("people/<int:user_id>/activation/", people.person_activation, name="person-activation"),
    path("people/<int:user_id>/transfer/", people.person_transfer, name="person-transfer"),
    path(
        "people/<int:user_id>/tokens/<int:token_id>/revoke/",
        people.person_token_revoke,
        name="person-token-revoke",
    ),
    path("groups/", groups.groups, name="groups"),
    path("groups/<slug:slug>/", groups.group_detail, name="group"),
    path("groups/<slug:slug>/members/", groups.group_members, name="group-members"),
    path("groups/<slug:slug>/delete/", groups.group_remove, name="group-delete"),
    path("audit/", audit.facility_audit, name="audit"),
    path("failed/", facility.failed, name="failed"),
    path("operations/", facility.operations, name="operations"),
    path("operations/recover/", facility.recover_runs, name="recover-runs"),
    path("fixity/", facility.fixity, name="fixity"),
]

search_patterns = [
    path("export.<str:fmt>", search.search_export, name="export"),
    path("keys/", search.search_keys, name="keys"),
    path("saved/", search.saved_searches, name="saved"),
    path("saved/<int:pk>/", search.saved_search_open, name="saved-open"),
    path("saved/<int:pk>/delete/", search.saved_search_remove, name="saved-delete"),
]

trash_patterns = [
    path("", trash.trash, name="list"),
    path("projects/<slug:slug>/restore/", trash.restore_project, name="restore-project"),
    path("datasets/<uuid:uid>/restore/", trash.restore_dataset, name="restore-dataset"),
    path("files/<uuid:uid>/restore/", trash.restore_file, name="restore-file"),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("search/", search.search, name="search"),
    path("search/", include((search_patterns, "search"))),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("healthz", health.ready, name="health"),
    path("metrics", health.metrics, name="metrics"),
    path("accounts/", include(account_patterns)),
    path("projects/", include((project_patterns, "projects"))),
    path("datasets/", include((dataset_patterns, "datasets"))),
    path("files/", include((file_patterns, "files"))),
    path("comments/", include((comment_patterns, "comments"))),
    path("notes/", include((note_patterns, "notes"))),
    path("instruments/", include((instrument_patterns, "instruments"))),
    path("facility/", include((facility_patterns, "manage"))),
    path("trash/", include((trash_patterns, "trash"))),
    path("share/<str:key>/", sharing.share_open, name="share-open"),
    path("invitations/<str:key>/", invitations.invitation, name="invitation"),
]
