"""Moved to ``clikit.render`` (shared by every CLI); kept so old imports work."""

from clikit.render import err_console, fail, out_console, print_json, print_text, render_report

__all__ = ["err_console", "fail", "out_console", "print_json", "print_text", "render_report"]
