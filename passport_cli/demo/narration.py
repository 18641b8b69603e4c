"""The demo's narration, shared by the in-process story (``embedded``) and the one with real
processes (``processes``): the policy of the bank in Singapore, the steps in both languages,
the rich rendering of QR codes, decisions and reports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

import issuer_service

CUSTOMERS = Path(issuer_service.__file__).resolve().parent / "sample_data" / "customers.json"
TYPES = ["KYCCredential", "BankStatementCredential", "FidoKeyBindingCredential"]
# customers in the sample data: 4.9 M TWD; 0.8 M TWD (24,700 USD); 6.5 M TWD
RICH_CITIZEN, POOR_CITIZEN, THIRD_CITIZEN = "TW-0001", "TW-0007", "TW-0008"

# The Singapore bank's onboarding policy (keys in docs/policy.md).
POLICY = """\
name = "sg-premium-onboarding"
description = "Merlion Bank: name, nationality, 50,000 USD in funds, FIDO-bound wallet"
formats = ["vc+sd-jwt"]
accepted_jurisdictions = ["TW"]

[kyc]
claims = ["legalName", "nationality"]

[bank_statement]
min_balance = { amount = "50000", currency = "USD" }
max_age_days = 90

[fido]
required = true
user_verification = "required"

[fx]
USD = "1"
TWD = "32.5"
"""

STEPS = {
    "en": [
        "The regulator deploys the registries and accredits a Taiwanese bank",
        "A citizen creates a wallet and enrolls a FIDO authenticator with the bank",
        "The bank offers KYC and bank-statement credentials; the wallet receives them",
        "A bank in Singapore shows its onboarding QR code",
        "The wallet shows what it will disclose, and presents with the citizen's consent",
        "The Singapore bank decides: its report, check by check",
        "A second citizen with too little money applies",
        "The Taiwanese bank revokes the first citizen's statement; the same request again",
        "A third citizen onboards; the regulator suspends the Taiwanese bank; she applies",
    ],
    "zh-TW": [
        "主管機關部署登錄合約，並認可一家台灣銀行",
        "民眾建立錢包，並向銀行註冊 FIDO 驗證器",
        "銀行提供 KYC 與存款證明憑證；錢包接收",
        "新加坡的銀行顯示開戶 QR 碼",
        "錢包列出將揭露的資料，經民眾同意後出示",
        "新加坡銀行做出決定：逐項檢查報告",
        "第二位存款不足的民眾申請",
        "台灣銀行撤銷第一位民眾的存款證明；再次提出相同請求",
        "第三位民眾取得憑證；主管機關暫停該台灣銀行的認可；她提出申請",
    ],
}
WORDS = {
    "en": {"decision": "decision", "reason": "reason", "done": "demo complete",
           "check": "check", "result": "result", "code": "code", "credential": "credential",
           "claims": "claim", "value": "value", "written": "written",
           "scanned": "the wallet scanned",
           "consent": "The citizen consents; the wallet signs with its key and the FIDO "
                      "authenticator.",
           "kept": "what the Singapore bank stores (only the claims it asked for)",
           "wallet": "wallet {path}\nholder {did}",
           "enrolled": "FIDO authenticator enrolled; {type} received",
           "received": "received {type} ({fmt}) from {issuer}",
           "revoked": "revoked {id}; the new status list digest is anchored on chain",
           "standing": "standing on chain: {standing}",
           "summary": "decisions",
           "started": "{what} runs at {url} (pid {pid}); its log: {log}",
           "stopped": "stopped {what}",
           "waiting": "waiting for the bank's status lists to be anchored on chain",
           "scanned_proc": "the wallet scans {png}"},
    "zh-TW": {"decision": "決定", "reason": "原因", "done": "示範完成",
              "check": "檢查", "result": "結果", "code": "代碼", "credential": "憑證",
              "claims": "欄位", "value": "值", "written": "已寫入",
              "scanned": "錢包掃描了",
              "consent": "民眾同意；錢包以其金鑰與 FIDO 驗證器簽署。",
              "kept": "新加坡銀行保存的資料（僅限其要求的欄位）",
              "wallet": "錢包 {path}\n持有者 {did}",
              "enrolled": "FIDO 驗證器已註冊；已收到 {type}",
              "received": "已從 {issuer} 收到 {type}（{fmt}）",
              "revoked": "已撤銷 {id}；新的狀態清單摘要已錨定於鏈上",
              "standing": "鏈上認可狀態：{standing}",
              "summary": "決定",
              "started": "{what} 執行於 {url}（pid {pid}）；日誌：{log}",
              "stopped": "已停止 {what}",
              "waiting": "等待銀行的狀態清單錨定於鏈上",
              "scanned_proc": "錢包掃描 {png}"},
}  # fmt: skip

console = Console(emoji=False, highlight=False)


# --- narration ------------------------------------------------------------------------------


@dataclass
class Narrator:
    lang: str
    out: Path
    number: int = 0

    def step(self) -> None:
        title = STEPS[self.lang][self.number]
        self.number += 1
        console.rule(f"[bold cyan]{self.number}. {title}")

    def word(self, key: str, **values: Any) -> str:
        return WORDS[self.lang][key].format(**values)

    def qr(self, name: str, data: str) -> Path:
        """The QR code drawn in the terminal (half blocks) and written as a PNG."""
        import qrcode

        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, border=2)
        code.add_data(data)
        code.make(fit=True)
        matrix = code.get_matrix()
        if len(matrix) % 2:
            matrix.append([False] * len(matrix[0]))
        # dark modules are drawn black on white, so phones can scan the terminal
        glyph = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
        lines = [
            "".join(glyph[pair] for pair in zip(matrix[row], matrix[row + 1], strict=True))
            for row in range(0, len(matrix), 2)
        ]
        console.print(Text("\n".join(lines), style="black on white"))
        png = self.out / f"{name}.png"
        code.make_image().save(str(png))
        console.print(f"{data[:96]}{'...' if len(data) > 96 else ''}")
        console.print(f"[dim]{self.word('written')} {png}[/]")
        return png

    def decision(self, answer: dict[str, Any], view: dict[str, Any]) -> str:
        status = answer["status"]
        reason = reason_of(status, view)
        colour = "green" if status == "approved" else "red"
        codes = ", ".join(answer.get("codes") or []) or "-"
        label = status if reason is None else f"{status} · {reason}"
        console.print(
            f"[bold]{self.word('decision')}:[/] [bold {colour}]{label}[/]  "
            f"[dim]({self.word('code')}: {codes})[/]"
        )
        return label


def reason_of(status: str, view: dict[str, Any]) -> str | None:
    """The reason a rejection is shown under: the verifier's report names the failed check;
    a policy check is ``policy_unmet``, an accreditation check ``issuer_not_accredited``, a
    credential's status its own code (``revoked``, ``suspended``)."""
    if status == "approved":
        return None
    failed = [c for c in _all_checks(view.get("report") or {}) if c.get("outcome") == "failed"]
    for check in failed:
        if check["check"] == "accreditation":
            return "issuer_not_accredited"
    for check in failed:
        if check["check"] == "status":
            return str(check.get("code") or "status")
    for check in failed:
        if check["check"] in POLICY_CHECKS:
            return "policy_unmet"
    return next((str(c.get("code")) for c in failed if c.get("code")), status)


POLICY_CHECKS = {"min_balance", "statement_age", "dcql", "jurisdiction", "credential_type"}


def _all_checks(report: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from report.get("checks", [])
    for sub in report.get("credentials", []):
        yield from _all_checks(sub)


def report_table(narrator: Narrator, view: dict[str, Any]) -> None:
    table = Table(show_lines=False)
    for key in ("credential", "check", "result", "code"):
        table.add_column(narrator.word(key))

    def add(report: dict[str, Any], name: str) -> None:
        for check in report.get("checks", []):
            result = check.get("outcome", "")
            colour = {"passed": "green", "failed": "red"}.get(result, "yellow")
            table.add_row(name, check["check"], f"[{colour}]{result}[/]", check.get("code") or "")
        for sub in report.get("credentials", []):
            query = (sub.get("subject") or {}).get("query")
            add(sub, str(query) if query else f"{name} (VC)")

    add(view.get("report") or {}, "presentation")
    console.print(table)


def kept_table(narrator: Narrator, view: dict[str, Any]) -> None:
    """What the verifier stored: only the claims its policy asked for."""
    kept = Table(title=narrator.word("kept"))
    for column in ("credential", "claims", "value"):
        kept.add_column(narrator.word(column))
    for query, claims in (view.get("claims") or {}).items():
        for claim, value in claims.items():
            kept.add_row(query, claim.removeprefix("credentialSubject/"), str(value))
    console.print(kept)


def summary(narrator: Narrator, decisions: list[str]) -> None:
    table = Table(title=narrator.word("summary"))
    table.add_column("#")
    table.add_column(narrator.word("decision"))
    for number, label in zip((6, 7, 8, 9), decisions, strict=True):
        table.add_row(str(number), label)
    console.print(table)
    console.rule(f"[bold green]{narrator.word('done')}")
