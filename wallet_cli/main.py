"""The ``wallet`` command: The citizen's wallet.

Thin for now; its commands arrive with the wallet issue.
"""

from __future__ import annotations

from clikit.thin import thin_app

app = thin_app("wallet", "The citizen's wallet (commands arrive with the wallet issue).")


def run() -> None:
    app()


if __name__ == "__main__":
    run()
