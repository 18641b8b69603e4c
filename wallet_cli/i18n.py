# ruff: noqa: E501 - a catalog of sentences reads best one entry a line
"""Every text of the wallet in English and Traditional Chinese (zh-TW).

``t(key, **values)`` formats the catalog entry of the current language (``set_language``),
falling back to English, then to ``_default``. The language comes from ``--lang``, else
``$WALLET_LANG``, else the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``): ``zh_TW``,
``zh_HK``, ``zh-Hant`` -> zh-TW, anything else -> en. Error codes have entries
``code.<code>`` so that library errors read in the citizen's language too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

__all__ = ["LANGUAGES", "detect", "language", "normalise", "set_language", "t"]

LANGUAGES: Final = ("en", "zh-TW")
_current = ["en"]

_EN: dict[str, str] = {
    # help
    "help.app": "The citizen's wallet: hold your bank's credentials, show only what you choose.",
    "help.wallet": "Wallet directory (default: $WALLET_HOME, else ~/.local/share/dfp-wallet).",
    "help.passphrase_file": "Read the passphrase from this file (else $WALLET_PASSPHRASE, else a prompt).",
    "help.lang": "Language: en or zh-TW (default: $WALLET_LANG or the locale).",
    "help.deployment": "Chain deployment file, to check accreditations and did:ethr ($WALLET_DEPLOYMENT).",
    "help.version": "Print the version of the passport software.",
    "help.json": "Print JSON for scripts.",
    "help.init": "Create the wallet: an Ed25519 holder key and its did:key.",
    "help.kdf": "Passphrase hardening: moderate (default), interactive, insecure-test-only.",
    "help.did": "Print the holder's DID.",
    "help.export": "Write an encrypted backup of the whole wallet.",
    "help.export_file": "The backup file to write (must not exist).",
    "help.import": "Restore a backup into an empty wallet directory.",
    "help.import_file": "The backup file written by `wallet export`.",
    "help.copies": "Copies to ask of an issuer that issues batches, each bound to its own one-time key ($WALLET_COPIES; 1: a single credential bound to your did:key).",
    "help.refresh_batch": "Ask the issuer for new copies of a batch credential (with its refresh token, or a new --offer).",
    "help.refresh_offer": "A new offer (openid-credential-offer:// URI) for the same credential, when the issuer gave no refresh token.",
    "help.allow_reuse": "Allow showing a copy another verifier has already seen (they could link your visits).",
    "receive.copies": "Stored as {copies} copies, each bound to its own one-time key: every verifier gets a fresh one.",
    "refresh.done": "New copies of {type} ({id}): {unused} of {total} copies unused.",
    "warn.low_copies": "warning: only {unused} unused copies of {type} ({id}) left; run `wallet refresh {id}`.",
    "consent.reuse_warning": "Every copy of these credentials was already shown to another verifier: showing one again lets the two verifiers link your visits.",
    "prompt.reuse": "Show an already used copy anyway?",
    "value.copies": "{unused} of {total} copies unused",
    "col.copies": "Copies",
    "code.copies_exhausted": "Every copy of these credentials was already shown to another verifier; run `wallet refresh` for new copies, or allow reuse with --allow-reuse. The verifier was told access_denied.",
    "code.refresh_not_batch": "This credential is not a batch of copies from this issuer; there is nothing to refresh (or the offer is for another credential).",
    "code.refresh_unavailable": "The issuer gave no refresh token for this credential; ask your bank for a new offer and pass it with `wallet refresh ID --offer URI`.",
    "help.receive": "Receive credentials from an OpenID4VCI offer (URI or --qr image).",
    "help.offer": "The openid-credential-offer:// URI.",
    "help.qr_offer": "An image of the offer's QR code.",
    "help.pin": "The transaction code (PIN) the bank sent you separately; asked when missing.",
    "help.list": "List the credentials (what the wallet last knew; --refresh checks again).",
    "help.refresh": "Check signatures, live status and accreditation now.",
    "help.show": "Show one credential: its issuer, validity, live status and claims.",
    "help.credential_id": "The credential's id (or the start of it) from `wallet list`.",
    "help.offline": "Do not check the live status.",
    "help.fido": "FIDO authenticators.",
    "help.fido_enroll": "Register an authenticator with your bank and store its FidoKeyBindingCredential.",
    "help.authenticator": "software (kept in the encrypted wallet) or usb (a CTAP2 security key).",
    "help.present": "Answer a verifier's OpenID4VP request (URI or --qr image), with your consent.",
    "help.request": "The openid4vp:// URI.",
    "help.qr_request": "An image of the verifier's QR code.",
    "help.yes": "Consent without asking (for scripts).",
    "help.no": "Refuse without asking: the verifier is told access_denied.",
    "help.follow": "Open the verifier's redirect_uri after the answer.",
    "help.history": "Every disclosure: when, to whom, which claims, the verifier's answer.",
    "help.history_export": "Write the history to FILE (.json or .csv).",
    "help.history_format": "json or csv (default: from the file name).",
    "help.proof_qr": "Show an offline proof QR (bank-statement or kyc) with the claims you choose, for a verifier with no network.",
    "help.proof_type": "bank-statement or kyc.",
    "help.proof_claims": "Claims to disclose, comma-separated: name, nationality, balanceAtLeast/USD_10000, ...",
    "help.challenge": "The code the verifier's screen shows (else the QR is valid for about 10 minutes).",
    "help.proof_out": "Write the QR code to this PNG file.",
    "help.no_terminal": "Do not draw the QR code in the terminal.",
    # progress
    "progress.receive": "Receiving from the issuer and checking the credential...",
    "progress.refresh": "Checking signatures and live status...",
    "progress.enroll": "Registering the authenticator with the bank...",
    "progress.request": "Fetching and checking the verifier's request...",
    "progress.answer": "Sending the answer to the verifier...",
    # prompts
    "prompt.passphrase": "Wallet passphrase",
    "prompt.new_passphrase": "Choose a wallet passphrase",
    "prompt.pin": "Transaction code (PIN) from your bank",
    "prompt.consent": "Send exactly this to the verifier?",
    # results
    "init.done": "Wallet created in {wallet}. Your DID: {did}",
    "export.done": "Backup written to {file}: {credentials} credentials, {authenticators} authenticators, {history} history entries.",
    "import.done": "Wallet restored ({did}): {credentials} credentials, {authenticators} authenticators, {history} history entries.",
    "receive.done": "Received {type} ({id}) from {issuer}; signature and status checked.",
    "receive.done_offline": "Received the offline {type} ({id}) from {issuer}; signature checked (its status is checked by the verifier). Show it with `wallet proof-qr`.",
    "proof_qr.done": "QR for {type} written to {file}: {claims}; {binding}. Version {version}, {chars} characters.",
    "proof_qr.challenge": "answers the code {code}",
    "proof_qr.slot": "valid about 10 minutes from {time}",
    "proof_qr.nothing": "no claims disclosed",
    "fido.done": "Authenticator ({kind}) enrolled; FidoKeyBindingCredential {id} from {issuer} stored.",
    "present.sent": "Sent to {verifier}; it answered HTTP {status}.",
    "present.answer": "The verifier's answer: {answer}",
    "present.redirect": "Followed the verifier's redirect {uri} (HTTP {status}).",
    "history.exported": "{count} history entries written to {file} ({format}).",
    "history.empty": "Nothing disclosed yet.",
    "history.title": "Disclosure history",
    "list.empty": "The wallet holds no credentials yet (`wallet receive`).",
    "list.title": "Credentials",
    "show.title": "Credential {id}",
    "show.claims": "Claims",
    # consent
    "consent.who": "Verifier asking: {verifier}",
    "consent.trust": "Request {how}; standing on chain: {accreditation}",
    "consent.signed": "signed by the verifier's DID (checked)",
    "consent.unsigned": "unsigned (redirect_uri: the verifier is known only by its address)",
    "consent.no_accreditation": "none known",
    "consent.title": "What would be disclosed",
    "consent.fido": "(a FIDO assertion by your authenticator)",
    "consent.no_claims": "(no claims: only that you hold it)",
    # columns and values
    "col.id": "ID",
    "col.type": "Type",
    "col.format": "Format",
    "col.issuer": "Issuer",
    "col.accredited": "Accredited",
    "col.valid_from": "Valid from",
    "col.valid_until": "Valid until",
    "col.status": "Status",
    "col.received": "Received",
    "col.claim": "Claim",
    "col.value": "Value",
    "col.query": "Query",
    "col.credential": "Credential",
    "col.when": "When",
    "col.verifier": "Verifier",
    "col.outcome": "Outcome",
    "col.disclosed": "Disclosed",
    "col.answer": "Answer",
    "value.unknown": "unknown",
    "status.valid": "valid",
    "status.revoked": "revoked",
    "status.suspended": "suspended",
    "status.expired": "expired",
    "status.unknown": "unknown (not checked)",
    "outcome.sent": "sent",
    "outcome.refused": "refused",
    "outcome.failed": "sent, rejected",
    "outcome.error": "error",
    "label.error": "error",
    # errors of the command layer
    "error.kdf": "--kdf {value}: choose one of {choices}.",
    "error.passphrase_file": "Cannot read the passphrase file {path}: {reason}.",
    "error.passphrase_empty": "The passphrase is empty; choose a non-empty one.",
    "error.passphrase_missing": "No passphrase: set $WALLET_PASSPHRASE or pass --passphrase-file.",
    "error.pin_missing": "This offer needs the transaction code: pass --pin.",
    "error.offer_or_qr": "Give the offer URI or --qr IMAGE, one of them.",
    "error.request_or_qr": "Give the request URI or --qr IMAGE, one of them.",
    "error.not_an_offer": "This is not a credential offer (openid-credential-offer://...).",
    "error.not_a_request": "This is not a presentation request (openid4vp://...).",
    "error.file_exists": "{path} exists already; choose a new file name.",
    "error.file_unreadable": "Cannot read {path}: {reason}.",
    "error.authenticator": "--authenticator {value}: software or usb.",
    "error.status_unreachable": "Cannot fetch the status list {url}: {reason}.",
    "error.interrupted": "Interrupted; nothing was changed.",
    "code.credential_not_found": "No credential {id} in this wallet; see `wallet list`.",
    "code.offline_credential_missing": "The wallet holds no valid offline {type} credential; ask your bank for an offline offer and `wallet receive` it.",
    "code.wallet_exists_import": "A wallet already exists in {wallet}; import into an empty directory (nothing is merged).",
}

_ZH: dict[str, str] = {
    "help.app": "公民的數位錢包：保管銀行發給您的憑證，只出示您選擇的內容。",
    "help.wallet": "錢包目錄（預設：$WALLET_HOME，否則 ~/.local/share/dfp-wallet）。",
    "help.passphrase_file": "從此檔案讀取密碼（否則用 $WALLET_PASSPHRASE，再否則提示輸入）。",
    "help.lang": "語言：en 或 zh-TW（預設：$WALLET_LANG 或系統語系）。",
    "help.deployment": "區塊鏈部署檔，用以查核認可狀態與 did:ethr（$WALLET_DEPLOYMENT）。",
    "help.version": "顯示 passport 軟體版本。",
    "help.json": "輸出 JSON（供程式使用）。",
    "help.init": "建立錢包：產生 Ed25519 持有者金鑰及其 did:key。",
    "help.kdf": "密碼強化等級：moderate（預設）、interactive、insecure-test-only。",
    "help.did": "顯示持有者的 DID。",
    "help.export": "將整個錢包寫成加密備份。",
    "help.export_file": "要寫入的備份檔（不可已存在）。",
    "help.import": "將備份還原到空的錢包目錄。",
    "help.import_file": "由 `wallet export` 寫出的備份檔。",
    "help.copies": "向支援批次發行的發行者索取的副本數，每份各綁定一把一次性金鑰（$WALLET_COPIES；1：單一份綁定您 did:key 的憑證）。",
    "help.refresh_batch": "向發行者索取批次憑證的新副本（使用其更新權杖，或新的 --offer）。",
    "help.refresh_offer": "發行者未給更新權杖時，同一憑證的新要約（openid-credential-offer:// URI）。",
    "help.allow_reuse": "允許出示其他驗證方已看過的副本（他們可能因此將您的造訪連結起來）。",
    "receive.copies": "已存為 {copies} 份副本，各綁定一把一次性金鑰：每個驗證方都會拿到新的一份。",
    "refresh.done": "{type}（{id}）的新副本：{total} 份中 {unused} 份未使用。",
    "warn.low_copies": "警告：{type}（{id}）只剩 {unused} 份未使用的副本；請執行 `wallet refresh {id}`。",
    "consent.reuse_warning": "這些憑證的每份副本都已出示給其他驗證方：再次出示會讓兩個驗證方得以連結您的造訪。",
    "prompt.reuse": "仍要出示已使用過的副本嗎？",
    "value.copies": "{total} 份中 {unused} 份未使用",
    "col.copies": "副本",
    "code.copies_exhausted": "這些憑證的每份副本都已出示給其他驗證方；請執行 `wallet refresh` 取得新副本，或以 --allow-reuse 允許重複使用。已告知驗證方 access_denied。",
    "code.refresh_not_batch": "此憑證不是此發行者的批次副本，無可更新（或此要約屬於另一份憑證）。",
    "code.refresh_unavailable": "發行者未為此憑證提供更新權杖；請向銀行索取新要約，並以 `wallet refresh ID --offer URI` 傳入。",
    "help.receive": "從 OpenID4VCI 憑證要約領取憑證（URI 或 --qr 圖片）。",
    "help.offer": "openid-credential-offer:// URI。",
    "help.qr_offer": "要約 QR 碼的圖片。",
    "help.pin": "銀行另行寄給您的交易碼（PIN）；未提供時會詢問。",
    "help.list": "列出憑證（錢包最後所知；--refresh 重新查核）。",
    "help.refresh": "立即查核簽章、即時狀態與認可。",
    "help.show": "顯示一張憑證：發行者、有效期間、即時狀態與聲明。",
    "help.credential_id": "`wallet list` 中憑證的 ID（或其開頭）。",
    "help.offline": "不查核即時狀態。",
    "help.fido": "FIDO 驗證器。",
    "help.fido_enroll": "向您的銀行註冊驗證器，並保存其 FidoKeyBindingCredential。",
    "help.authenticator": "software（保存在加密錢包中）或 usb（CTAP2 安全金鑰）。",
    "help.present": "經您同意後回覆驗證方的 OpenID4VP 請求（URI 或 --qr 圖片）。",
    "help.request": "openid4vp:// URI。",
    "help.qr_request": "驗證方 QR 碼的圖片。",
    "help.yes": "不詢問直接同意（供程式使用）。",
    "help.no": "不詢問直接拒絕：驗證方會收到 access_denied。",
    "help.follow": "回覆後開啟驗證方的 redirect_uri。",
    "help.history": "每一次揭露：時間、對象、哪些聲明、驗證方的回覆。",
    "help.history_export": "將紀錄寫入 FILE（.json 或 .csv）。",
    "help.history_format": "json 或 csv（預設依檔名）。",
    "help.proof_qr": "出示離線證明 QR 碼（bank-statement 或 kyc），只含您選擇的資料，供無網路的查驗者查驗。",
    "help.proof_type": "bank-statement 或 kyc。",
    "help.proof_claims": "要揭露的資料，以逗號分隔：name、nationality、balanceAtLeast/USD_10000……",
    "help.challenge": "查驗者螢幕上顯示的代碼（未提供時，QR 碼約 10 分鐘內有效）。",
    "help.proof_out": "將 QR 碼寫入此 PNG 檔。",
    "help.no_terminal": "不要在終端機中繪出 QR 碼。",
    "progress.receive": "正在向發行者領取並查核憑證……",
    "progress.refresh": "正在查核簽章與即時狀態……",
    "progress.enroll": "正在向銀行註冊驗證器……",
    "progress.request": "正在取得並查核驗證方的請求……",
    "progress.answer": "正在將回覆傳送給驗證方……",
    "prompt.passphrase": "錢包密碼",
    "prompt.new_passphrase": "設定錢包密碼",
    "prompt.pin": "銀行提供的交易碼（PIN）",
    "prompt.consent": "確定只將以上內容傳送給驗證方？",
    "init.done": "錢包已建立於 {wallet}。您的 DID：{did}",
    "export.done": "備份已寫入 {file}：{credentials} 張憑證、{authenticators} 個驗證器、{history} 筆紀錄。",
    "import.done": "錢包已還原（{did}）：{credentials} 張憑證、{authenticators} 個驗證器、{history} 筆紀錄。",
    "receive.done": "已領取 {type}（{id}），發行者 {issuer}；簽章與狀態均已查核。",
    "receive.done_offline": "已領取離線 {type}（{id}），發行者 {issuer}；簽章已查核（狀態由查驗者查核）。請以 `wallet proof-qr` 出示。",
    "proof_qr.done": "{type} 的 QR 碼已寫入 {file}：{claims}；{binding}。版本 {version}，{chars} 個字元。",
    "proof_qr.challenge": "回應代碼 {code}",
    "proof_qr.slot": "自 {time} 起約 10 分鐘內有效",
    "proof_qr.nothing": "未揭露任何資料",
    "fido.done": "驗證器（{kind}）已註冊；已保存 {issuer} 發行的 FidoKeyBindingCredential {id}。",
    "present.sent": "已傳送給 {verifier}；回覆 HTTP {status}。",
    "present.answer": "驗證方的回覆：{answer}",
    "present.redirect": "已開啟驗證方的轉址 {uri}（HTTP {status}）。",
    "history.exported": "已將 {count} 筆紀錄寫入 {file}（{format}）。",
    "history.empty": "尚未揭露任何資料。",
    "history.title": "揭露紀錄",
    "list.empty": "錢包中尚無憑證（`wallet receive`）。",
    "list.title": "憑證",
    "show.title": "憑證 {id}",
    "show.claims": "聲明",
    "consent.who": "提出請求的驗證方：{verifier}",
    "consent.trust": "請求{how}；鏈上認可：{accreditation}",
    "consent.signed": "由驗證方的 DID 簽署（已查核）",
    "consent.unsigned": "未簽署（redirect_uri：僅以網址識別驗證方）",
    "consent.no_accreditation": "無紀錄",
    "consent.title": "將揭露的內容",
    "consent.fido": "（由您的驗證器產生的 FIDO 斷言）",
    "consent.no_claims": "（不含聲明：僅證明您持有）",
    "col.id": "ID",
    "col.type": "類型",
    "col.format": "格式",
    "col.issuer": "發行者",
    "col.accredited": "認可",
    "col.valid_from": "生效",
    "col.valid_until": "到期",
    "col.status": "狀態",
    "col.received": "領取時間",
    "col.claim": "聲明",
    "col.value": "值",
    "col.query": "查詢",
    "col.credential": "憑證",
    "col.when": "時間",
    "col.verifier": "驗證方",
    "col.outcome": "結果",
    "col.disclosed": "已揭露",
    "col.answer": "回覆",
    "value.unknown": "未知",
    "status.valid": "有效",
    "status.revoked": "已撤銷",
    "status.suspended": "已暫停",
    "status.expired": "已過期",
    "status.unknown": "未知（未查核）",
    "outcome.sent": "已傳送",
    "outcome.refused": "已拒絕",
    "outcome.failed": "已傳送，遭拒",
    "outcome.error": "錯誤",
    "label.error": "錯誤",
    "error.kdf": "--kdf {value}：請選擇 {choices} 之一。",
    "error.passphrase_file": "無法讀取密碼檔 {path}：{reason}。",
    "error.passphrase_empty": "密碼是空的；請設定非空的密碼。",
    "error.passphrase_missing": "沒有密碼：請設定 $WALLET_PASSPHRASE 或使用 --passphrase-file。",
    "error.pin_missing": "此要約需要交易碼：請使用 --pin。",
    "error.offer_or_qr": "請提供要約 URI 或 --qr 圖片，擇一。",
    "error.request_or_qr": "請提供請求 URI 或 --qr 圖片，擇一。",
    "error.not_an_offer": "這不是憑證要約（openid-credential-offer://...）。",
    "error.not_a_request": "這不是出示請求（openid4vp://...）。",
    "error.file_exists": "{path} 已存在；請換一個檔名。",
    "error.file_unreadable": "無法讀取 {path}：{reason}。",
    "error.authenticator": "--authenticator {value}：software 或 usb。",
    "error.status_unreachable": "無法取得狀態清單 {url}：{reason}。",
    "error.interrupted": "已中斷；未做任何變更。",
    "code.credential_not_found": "錢包中沒有憑證 {id}；請見 `wallet list`。",
    "code.offline_credential_missing": "錢包中沒有有效的離線 {type} 憑證；請向銀行索取離線憑證邀請，再以 `wallet receive` 領取。",
    "code.wallet_exists_import": "{wallet} 已有錢包；請還原到空目錄（不會合併）。",
    # library error codes, in the citizen's language
    "code.wallet_passphrase_wrong": "無法以此密碼開啟錢包；請輸入建立時的密碼。錢包未被變更。",
    "code.wallet_not_found": "此處沒有錢包；請先執行 `wallet init`。",
    "code.wallet_exists": "此處已有錢包；未做任何變更。請使用其他 --wallet 目錄。",
    "code.wallet_damaged": "錢包檔已損毀且未被變更；上一份完好的副本保留在 {backup}。",
    "code.wallet_busy": "另一個錢包指令正在使用此錢包；請稍後再試。",
    "code.backup_invalid": "這不是錢包備份檔（`wallet export` 才會寫出）。",
    "code.qr_unreadable": "圖片中沒有可讀取的 QR 碼；請重新拍攝完整清晰的 QR 碼。",
    "code.qr_ambiguous": "圖片中有多個不同的 QR 碼；請裁切成要使用的那一個。",
    "code.issuer_error": "發行者拒絕了請求。錯誤的 PIN 或已使用、過期的要約都會如此；錢包未被變更。",
    "code.issuer_unreachable": "無法連線到發行者；請檢查網路後再試。錢包未被變更。",
    "code.credential_offer_malformed": "這不是有效的憑證要約；請向銀行索取新的要約。",
    "code.issuer_metadata_mismatch": "發行者的中繼資料與要約不符：要約並非它所聲稱的來源。",
    "code.credential_rejected": "收到的憑證未通過查核（{code}），未保存。請向發行者索取新的要約。",
    "code.credential_unverifiable": "無法查核收到的憑證（{code}），未保存。請稍後再試。",
    "code.credential_not_bound": "此憑證屬於其他持有者金鑰，未保存。",
    "code.tx_code_required": "此要約需要交易碼：請使用 --pin。",
    "code.authorization_request_malformed": "這不是有效的出示請求；請重新掃描驗證方的 QR 碼。",
    "code.request_invalid": "驗證方的請求不完整或有誤，未做任何回覆。",
    "code.request_unsupported": "此錢包不支援驗證方要求的回覆方式。",
    "code.request_signature_invalid": "請求的簽章無法通過查核：請求並非它所聲稱的來源，未做任何回覆。",
    "code.request_client_mismatch": "請求由其他身分簽署，並非它所聲稱的驗證方，未做任何回覆。",
    "code.response_uri_mismatch": "回覆位址與驗證方身分不符，未做任何回覆。",
    "code.wallet_nonce_mismatch": "請求未帶回錢包送出的 wallet_nonce，可能是重送攻擊，未做任何回覆。",
    "code.request_expired": "請求已過期；請向驗證方索取新的 QR 碼。",
    "code.verifier_unreachable": "無法連線到驗證方；請檢查網路後再試。",
    "code.verifier_error": "驗證方回覆錯誤（{error}）；請見 `wallet history`。",
    "code.presentation_refused": "您已拒絕；驗證方收到 access_denied，未揭露任何資料。",
    "code.presentation_unsatisfiable": "錢包中沒有符合請求的憑證；驗證方收到 access_denied，未揭露任何資料。",
    "code.transaction_data_unsupported": "驗證方要求授權交易資料，此錢包不支援；已回覆 invalid_transaction_data，未揭露任何資料。",
    "code.did_not_found": "無法解析驗證方的 DID。",
    "code.dcql_malformed": "驗證方的查詢（DCQL）格式錯誤，未做任何回覆。",
    "code.client_id_unsupported": "此錢包不支援驗證方的識別方式（client_id）。",
    "code.option_invalid": "選項有誤。",
    "code.passphrase_missing": "沒有密碼：請設定 $WALLET_PASSPHRASE 或使用 --passphrase-file。",
    "code.keystore_passphrase_empty": "密碼是空的；請設定非空的密碼。",
    "code.file_exists": "檔案已存在；請換一個檔名。",
    "code.authenticator_not_found": "未偵測到 FIDO 安全金鑰；請插入金鑰，或使用 --authenticator software。",
    "code.authenticator_missing": "此 FidoKeyBindingCredential 的驗證器不在此錢包中；請重新註冊。",
    "code.history_format_unsupported": "紀錄匯出格式為 json 或 csv；請將檔名設為 .json 或 .csv。",
}

_CATALOG: Final[Mapping[str, Mapping[str, str]]] = {"en": _EN, "zh-TW": _ZH}


def normalise(lang: str) -> str:
    """``zh-TW`` for Traditional Chinese tags (zh_TW, zh-Hant, zh_HK, ...), else ``en``."""
    tag = lang.replace("_", "-").split(".")[0].lower()
    if tag.startswith(("zh-tw", "zh-hant", "zh-hk", "zh-mo")):
        return "zh-TW"
    return "en"


def detect(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """The language from ``--lang X`` / ``--lang=X`` in ``argv``, else the environment."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return normalise(argv[i + 1])
        if arg.startswith("--lang="):
            return normalise(arg.split("=", 1)[1])
    for name in ("WALLET_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return normalise(value)
    return "en"


def set_language(lang: str) -> None:
    _current[0] = lang if lang in _CATALOG else "en"


def language() -> str:
    return _current[0]


def t(key: str, _default: str | None = None, **values: Any) -> str:
    """The text of ``key`` in the current language, formatted with ``values``."""
    text = _CATALOG[_current[0]].get(key) or _EN.get(key) or _default or key
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return text


def translated(key: str, **values: Any) -> str | None:
    """``key`` in the current language only (None when it is English or has no entry, or
    the entry needs a value that is not given)."""
    if _current[0] == "en":
        return None
    text = _CATALOG[_current[0]].get(key)
    if text is None:
        return None
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return None


def keys(lang: str) -> frozenset[str]:
    return frozenset(_CATALOG[lang])
