"""The onboarding page's words in English and Traditional Chinese (zh-TW): labels, and each
decision code as a plain sentence. ``pick_lang`` chooses from ``?lang=`` or Accept-Language."""

from __future__ import annotations

from typing import Final

__all__ = ["LANGS", "pick_lang", "reason", "reasons", "text"]

LANGS: Final = ("en", "zh-TW")

_TEXT: Final[dict[str, dict[str, str]]] = {
    "en": {
        "title": "Open an account with {name}",
        "lead": "Show your bank's credentials from your passport wallet. We ask only for what our "
        "onboarding policy needs.",
        "start": "Start",
        "scan": "Scan this code with your passport wallet",
        "same_device": "Wallet on this device? Open it here",
        "we_ask": "We ask for",
        "waiting": "Waiting for your wallet…",
        "expires": "This request expires at {time}.",
        "status_approved": "Approved",
        "status_rejected": "Not approved",
        "status_indeterminate": "We could not finish the checks",
        "status_refused": "You declined in your wallet",
        "status_expired": "This request has expired",
        "status_processing": "Checking your presentation…",
        "status_pending": "Waiting for your wallet…",
        "approved_text": "Welcome! Your identity and proof of funds were verified.",
        "reasons": "Why",
        "again": "Start again",
        "language": "Language",
        "kyc": "Identity (KYC) from your bank",
        "bank_statement": "Proof of funds from your bank",
        "fido": "Your security key (FIDO)",
        "min_balance": "a balance of at least {amount} {currency} "
        "(a yes/no answer, not the amount)",
        "max_age": "a statement no older than {days} days",
        "noscript": "This page refreshes itself every few seconds.",
    },
    "zh-TW": {
        "title": "在 {name} 開立帳戶",
        "lead": "請從您的護照錢包出示銀行核發的憑證。我們只要求開戶政策所需的資料。",
        "start": "開始",
        "scan": "請用您的護照錢包掃描此條碼",
        "same_device": "錢包在這台裝置上？按此開啟",
        "we_ask": "我們要求",
        "waiting": "正在等待您的錢包…",
        "expires": "此請求於 {time} 失效。",
        "status_approved": "已核准",
        "status_rejected": "未核准",
        "status_indeterminate": "無法完成檢查",
        "status_refused": "您已在錢包中拒絕",
        "status_expired": "此請求已失效",
        "status_processing": "正在檢查您出示的資料…",
        "status_pending": "正在等待您的錢包…",
        "approved_text": "歡迎！您的身分與資金證明已通過驗證。",
        "reasons": "原因",
        "again": "重新開始",
        "language": "語言",
        "kyc": "銀行核發的身分（KYC）憑證",
        "bank_statement": "銀行核發的資金證明",
        "fido": "您的安全金鑰（FIDO）",
        "min_balance": "餘額至少 {amount} {currency}（僅回答是或否，不含金額）",
        "max_age": "不超過 {days} 天的對帳單",
        "noscript": "此頁面每隔幾秒會自動更新。",
    },
}

_REASONS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "signature_invalid": "A signature does not verify: the credential was changed.",
        "disclosure_unreferenced": "A disclosed value was altered or does not belong to the "
        "credential.",
        "over_disclosure": "Your wallet shared more than we asked for; we did not keep it.",
        "kb_nonce_mismatch": "The presentation answers another request.",
        "audience_mismatch": "The presentation was made for another bank.",
        "kb_missing": "The presentation is not bound to your wallet's key.",
        "kb_signature_invalid": "The presentation is not signed by your wallet's key.",
        "expired": "A credential has expired; ask your bank for a new one.",
        "not_yet_valid": "A credential is not valid yet.",
        "revoked": "Your bank has revoked a credential.",
        "suspended": "Your bank has suspended a credential.",
        "status_list_mismatch": "The bank's revocation list does not match the one on the ledger.",
        "issuer_not_accredited": "The bank that issued a credential is not accredited.",
        "accreditation_type_mismatch": "The issuing bank is not accredited for this kind of "
        "credential.",
        "jurisdiction_not_accepted": "We do not accept credentials from that country's banks.",
        "accreditation_suspended": "The issuing bank's accreditation is suspended.",
        "accreditation_revoked": "The issuing bank's accreditation was withdrawn.",
        "accreditation_expired": "The issuing bank's accreditation has expired.",
        "issuer_not_accredited_at_issuance": "The issuing bank was not accredited when it issued "
        "the credential.",
        "credential_type_not_accepted": "We do not accept this kind of credential.",
        "holder_mismatch": "The credentials belong to different people.",
        "holder_binding_failed": "A credential is not bound to the person presenting it.",
        "fido_signature_invalid": "The security key's signature does not verify.",
        "fido_credential_unknown": "The security key is not the one your bank registered.",
        "fido_sign_count_regressed": "The security key's counter went back: it may be copied.",
        "fido_challenge_mismatch": "The security key answered another request.",
        "fido_user_not_verified": "The security key did not verify you (PIN or biometrics).",
        "statement_too_old": "Your bank statement is too old; ask your bank for a fresh one.",
        "insufficient_funds": "The proof of funds does not show the minimum balance.",
        "dcql_unsatisfied": "The presentation does not contain what we asked for.",
        "access_denied": "You declined to share your credentials.",
        "state_expired": "The request expired before your wallet answered.",
        "rpc_unavailable": "The trust ledger could not be reached; try again later.",
        "status_list_unavailable": "Your bank's revocation list could not be reached; try again "
        "later.",
        "status_list_not_anchored": "Your bank's revocation list is not on the ledger yet; try "
        "again later.",
    },
    "zh-TW": {
        "signature_invalid": "簽章驗證失敗：憑證內容已被更改。",
        "disclosure_unreferenced": "揭露的資料遭竄改或不屬於此憑證。",
        "over_disclosure": "您的錢包分享了超出要求的資料；我們未保存這些資料。",
        "kb_nonce_mismatch": "此出示回應的是另一個請求。",
        "audience_mismatch": "此出示是為另一家銀行製作的。",
        "kb_missing": "此出示未與您錢包的金鑰綁定。",
        "kb_signature_invalid": "此出示不是由您錢包的金鑰簽署。",
        "expired": "憑證已過期，請向您的銀行申請新憑證。",
        "not_yet_valid": "憑證尚未生效。",
        "revoked": "您的銀行已撤銷一張憑證。",
        "suspended": "您的銀行已暫停一張憑證。",
        "status_list_mismatch": "銀行的撤銷清單與帳本上的紀錄不符。",
        "issuer_not_accredited": "核發憑證的銀行未經認可。",
        "accreditation_type_mismatch": "核發銀行未獲准核發此類憑證。",
        "jurisdiction_not_accepted": "我們不接受該國銀行核發的憑證。",
        "accreditation_suspended": "核發銀行的認可已被暫停。",
        "accreditation_revoked": "核發銀行的認可已被撤銷。",
        "accreditation_expired": "核發銀行的認可已過期。",
        "issuer_not_accredited_at_issuance": "核發憑證時該銀行尚未獲得認可。",
        "credential_type_not_accepted": "我們不接受此類憑證。",
        "holder_mismatch": "這些憑證屬於不同的人。",
        "holder_binding_failed": "憑證未與出示者綁定。",
        "fido_signature_invalid": "安全金鑰的簽章驗證失敗。",
        "fido_credential_unknown": "此安全金鑰不是您銀行註冊的那一把。",
        "fido_sign_count_regressed": "安全金鑰的計數器倒退：可能遭到複製。",
        "fido_challenge_mismatch": "安全金鑰回應的是另一個請求。",
        "fido_user_not_verified": "安全金鑰未驗證您的身分（PIN 或生物辨識）。",
        "statement_too_old": "您的對帳單過舊，請向銀行申請最新的對帳單。",
        "insufficient_funds": "資金證明未達最低餘額要求。",
        "dcql_unsatisfied": "出示的內容不符合我們的要求。",
        "access_denied": "您拒絕分享您的憑證。",
        "state_expired": "錢包回應前請求已失效。",
        "rpc_unavailable": "無法連線至信任帳本，請稍後再試。",
        "status_list_unavailable": "無法取得您銀行的撤銷清單，請稍後再試。",
        "status_list_not_anchored": "您銀行的撤銷清單尚未登錄於帳本，請稍後再試。",
    },
}

_GENERIC: Final = {
    "en": "A check did not pass ({code}).",
    "zh-TW": "有一項檢查未通過（{code}）。",
}


def pick_lang(query: str | None, accept_language: str | None, default: str = "en") -> str:
    """``?lang=`` when it names a known language, else the first known one in
    Accept-Language (``zh-TW``, ``zh-Hant``, ``zh``), else ``default``."""
    if query in LANGS:
        return query
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-TW"
        if tag.startswith("en"):
            return "en"
    return default if default in LANGS else "en"


def text(lang: str, key: str, **values: object) -> str:
    table = _TEXT.get(lang, _TEXT["en"])
    return table.get(key, _TEXT["en"].get(key, key)).format(**values)


def reason(lang: str, code: str) -> str:
    table = _REASONS.get(lang, _REASONS["en"])
    if code in table:
        return table[code]
    return _GENERIC.get(lang, _GENERIC["en"]).format(code=code)


def reasons(lang: str, codes: list[str]) -> list[dict[str, str]]:
    return [{"code": c, "text": reason(lang, c)} for c in codes]
