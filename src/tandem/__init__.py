"""Tandem: one revenue process for marketing and sales."""

__version__ = "0.1.0"
