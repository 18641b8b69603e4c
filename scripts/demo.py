"""``./run demo``: the cross-border onboarding story (``passport_cli.demo``; also
``passport demo``). ``--processes`` runs anvil, the issuer and the verifier as processes;
``--lang zh-TW`` narrates in Traditional Chinese; ``--out DIR`` keeps the QR PNGs."""

from __future__ import annotations

import sys

from passport_cli.demo import main

if __name__ == "__main__":
    sys.exit(main())
