"""The ``issuer`` command: The bank's issuer service.

Thin for now; its commands arrive with the issuer service issue.
"""

from __future__ import annotations

from passport_cli.thin import thin_app

app = thin_app(
    "issuer", "The bank's issuer service (commands arrive with the issuer service issue)."
)


def run() -> None:
    app()


if __name__ == "__main__":
    run()
