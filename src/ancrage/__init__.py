"""Ancrage: open data observatory and opportunity watch for French public procurement."""

__version__ = "0.1.0"
