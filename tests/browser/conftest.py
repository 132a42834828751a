"""The browser tests' fixtures; their helpers live in labtools.py."""

from labtools import chromium

__all__ = ["chromium"]
