"""Handing an issue to the newsletter platform that owns the subscriber list.

`publish` creates a draft (or updates the one it made before, see state.py)
and, on request, sends or schedules it. Each platform is one module, listed in
registry.py, that declares NAME and SETTINGS (composer/settings.py), a
`from_house(edition, settings)` that configures it, and a class implementing
platform.Platform (and platform.SendsTests when its API can send reviewers a test).
"""
