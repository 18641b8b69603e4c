"""Moved to ``clikit.thin`` (shared by every CLI); kept so old imports work."""

from clikit.thin import thin_app

__all__ = ["thin_app"]
