"""composer: the Diplomacy Watch newsletter, from YAML to email-ready HTML and plain text."""

__version__ = "0.1.0"
