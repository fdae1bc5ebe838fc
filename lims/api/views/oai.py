"""The OAI-PMH 2.0 endpoint (``/api/v1/oai/``): harvesting of the public datasets."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from lims.fair.oai import Repository, oai_response


@csrf_exempt  # harvesters POST form-encoded arguments; nothing is changed
@require_http_methods(["GET", "HEAD", "POST"])
def oai(request: HttpRequest) -> HttpResponse:
    """Answer one OAI-PMH request (arguments in the query string, or form-encoded in a POST)."""
    args = request.POST if request.method == "POST" else request.GET
    repository = Repository(
        base_url=request.build_absolute_uri(request.path),
        host=settings.LIMS_OAI_NAMESPACE or request.get_host().split(":")[0],
        absolute=request.build_absolute_uri,
        admin_email=settings.LIMS_OAI_ADMIN_EMAIL,
    )
    body = oai_response({name: args.getlist(name) for name in args}, repository)
    return HttpResponse(body, content_type="text/xml; charset=utf-8")
