"""The offline QR check on the page (issue 11): ``GET /offline`` is a form to upload a photo
of the citizen's QR (with the code the officer's screen showed); ``POST /offline/verify``
takes the image (``multipart/form-data`` fields ``image`` and ``challenge``, or the raw image
as the body with ``?challenge=``) and answers with the report checked against the offline
snapshot alone: ``status`` (``verified``, ``invalid``, ``indeterminate``), ``codes``, the
disclosed ``claims`` and the snapshot's age. Bad input is a 4xx with its code."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from passport.errors import MalformedError
from verifier_service.deps import RuntimeDep
from verifier_service.i18n import LANGS, pick_lang, text
from verifier_service.offline import MAX_IMAGE_BYTES, read_qr_bytes, report_view, verify_qr

router = APIRouter(tags=["offline QR"])


def _form_fields(content_type: str, body: bytes) -> dict[str, bytes]:
    """The fields of a ``multipart/form-data`` body (RFC 7578), parsed with the stdlib."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise MalformedError("offline_qr_unreadable", "The upload is not multipart/form-data.")
    out: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            out[name] = payload
    return out


@router.get("/offline", response_class=HTMLResponse, summary="Check an offline QR (form)")
def offline_page(
    request: Request,
    runtime: RuntimeDep,
    lang: Annotated[str | None, Query(alias="lang")] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> HTMLResponse:
    chosen = pick_lang(lang, accept_language, runtime.settings.default_lang)
    page = request.app.state.templates.get_template("offline.html").render(
        t=lambda k, **v: text(chosen, k, **v),
        lang=chosen,
        langs=LANGS,
        name=runtime.settings.name,
    )
    return HTMLResponse(page)


@router.post("/offline/verify", summary="Check an offline QR image with the offline snapshot")
async def offline_verify(
    request: Request,
    runtime: RuntimeDep,
    challenge: Annotated[str | None, Query(max_length=16)] = None,
) -> JSONResponse:
    body = await request.body()
    if len(body) > MAX_IMAGE_BYTES + 64 * 1024:
        raise MalformedError(
            "offline_qr_unreadable", "The upload is too large; send a smaller photo."
        )
    content_type = request.headers.get("content-type", "")
    image = body
    if content_type.startswith("multipart/form-data"):
        fields = _form_fields(content_type, body)
        image = fields.get("image", b"")
        code = fields.get("challenge", b"").decode("utf-8", "replace").strip()
        challenge = challenge or code or None
    qr_text = await run_in_threadpool(read_qr_bytes, image)
    report = await run_in_threadpool(
        verify_qr, runtime, qr_text, challenge=challenge or None, actor="page"
    )
    view: dict[str, Any] = report_view(report)
    return JSONResponse(view, headers={"Cache-Control": "no-store"})
