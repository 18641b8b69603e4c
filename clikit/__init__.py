"""The small kit every command-line front end shares (the ``passport`` toolbox, ``issuer``,
``wallet``, ``verifier``): output helpers and the shape of a Typer app. It sits beside the
CLIs, so a service's command imports it instead of another CLI."""
