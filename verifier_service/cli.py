"""The ``verifier`` command: The foreign bank's verifier service.

Thin for now; its commands arrive with the verifier issue.
"""

from __future__ import annotations

from clikit.thin import thin_app

app = thin_app(
    "verifier", "The foreign bank's verifier service (commands arrive with the verifier issue)."
)


def run() -> None:
    app()


if __name__ == "__main__":
    run()
