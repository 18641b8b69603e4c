"""The holder's wallet, as a library: the encrypted store, the credentials it holds, the
consent model for presentations, the disclosure history and the wallet's operations.

- ``model``: frozen values (``WalletState``, ``HeldCredential``, ``HistoryEntry``, ...);
- ``store``: the encrypted store (Argon2id + XSalsa20-Poly1305), lock, backups;
- ``credentials``: the claims view, the check before storing, live status;
- ``presentation``: DCQL -> consent plan -> ``vp_token``;
- ``history``: export of the disclosure history (JSON, CSV);
- ``fido``: the holder's authenticators and the bank's enrollment ceremony;
- ``flows``: receive, enroll, refresh, prepare / answer a presentation;
- ``qr``: QR images (zxing-cpp).

The submodules are imported on use, so that light commands stay light.
"""
