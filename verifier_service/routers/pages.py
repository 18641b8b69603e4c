"""The onboarding page (server-rendered, EN and zh-TW, no external resources): start a
session, show its QR code and same-device link, then its decision in plain words. The page
learns the decision from ``/onboarding/{id}/status`` (a small script polls it; without
JavaScript the page refreshes itself)."""

from __future__ import annotations

import base64
import io
from typing import Annotated, Any, Final
from urllib.parse import parse_qs

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from verifier_service.deps import Runtime, RuntimeDep
from verifier_service.domain import create_session, get_session, session_view
from verifier_service.i18n import LANGS, pick_lang, reasons, text

router = APIRouter(tags=["onboarding page"])

LangQuery = Annotated[str | None, Query(alias="lang")]
AcceptLanguage = Annotated[str | None, Header()]

# the statuses that still wait for the wallet or the checks; any other is the decision
_OPEN: Final = ("pending", "processing")


def qr_png(data: str) -> bytes:
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=6)
    code.add_data(data)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()


def _render(request: Request, name: str, context: dict[str, Any]) -> HTMLResponse:
    env = request.app.state.templates
    return HTMLResponse(env.get_template(name).render(**context))


def _asks(runtime: Runtime, lang: str) -> list[str]:
    policy = runtime.policy
    out = []
    for requirement in policy.credentials:
        line = text(lang, requirement.query_id)
        extras = []
        if requirement.query_id == "bank_statement":
            if policy.min_balance is not None:
                extras.append(
                    text(
                        lang,
                        "min_balance",
                        amount=f"{policy.min_balance.amount:,}",
                        currency=policy.min_balance.currency,
                    )
                )
            if policy.max_statement_age_days is not None:
                extras.append(text(lang, "max_age", days=policy.max_statement_age_days))
        claims = ", ".join(requirement.claims)
        out.append(line + (f" ({claims})" if claims else "") + "".join(f"; {e}" for e in extras))
    return out


@router.get("/", response_class=HTMLResponse, summary="The onboarding start page")
def home(
    request: Request,
    runtime: RuntimeDep,
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> HTMLResponse:
    chosen = pick_lang(lang, accept_language, runtime.settings.default_lang)
    return _render(
        request,
        "start.html",
        {
            "t": lambda k, **v: text(chosen, k, **v),
            "lang": chosen,
            "langs": LANGS,
            "name": runtime.settings.name,
            "asks": _asks(runtime, chosen),
        },
    )


@router.post("/onboarding", summary="Start an onboarding session (the page's form)")
async def start(request: Request, runtime: RuntimeDep) -> RedirectResponse:
    body = (await request.body())[:1024].decode("utf-8", "replace")
    lang = (parse_qs(body).get("lang") or [""])[0]
    chosen = lang if lang in LANGS else runtime.settings.default_lang
    created = await run_in_threadpool(create_session, runtime, channel="web", lang=chosen)
    return RedirectResponse(f"/onboarding/{created.session_id}?lang={chosen}", status_code=303)


@router.get("/onboarding/{session_id}", response_class=HTMLResponse, summary="A session's page")
def page(
    session_id: str,
    request: Request,
    runtime: RuntimeDep,
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> HTMLResponse:
    record = get_session(runtime, session_id)
    chosen = pick_lang(lang or record.lang, accept_language, runtime.settings.default_lang)
    view = session_view(runtime, record)
    png = base64.b64encode(qr_png(record.link)).decode()
    return _render(
        request,
        "session.html",
        {
            "t": lambda k, **v: text(chosen, k, **v),
            "lang": chosen,
            "langs": LANGS,
            "name": runtime.settings.name,
            "session": view,
            "link": record.link,
            "qr_data_uri": f"data:image/png;base64,{png}",
            "reasons": reasons(chosen, view["codes"]),
            "asks": _asks(runtime, chosen),
            "final": view["status"] not in _OPEN,
        },
    )


@router.get("/onboarding/{session_id}/qr.png", summary="The session's QR code")
def qr(session_id: str, runtime: RuntimeDep) -> Response:
    record = get_session(runtime, session_id)
    return Response(qr_png(record.link), media_type="image/png")


@router.get("/onboarding/{session_id}/status", summary="The session's state (polled by the page)")
def status(
    session_id: str,
    runtime: RuntimeDep,
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> dict[str, Any]:
    record = get_session(runtime, session_id)
    chosen = pick_lang(lang or record.lang, accept_language, runtime.settings.default_lang)
    view = session_view(runtime, record)
    return {
        "session_id": view["session_id"],
        "status": view["status"],
        "decided": view["decided"],
        "final": view["status"] not in _OPEN,
        "label": text(chosen, f"status_{view['status']}"),
        "message": text(chosen, "approved_text") if view["status"] == "approved" else "",
        "reasons": reasons(chosen, view["codes"]),
    }
