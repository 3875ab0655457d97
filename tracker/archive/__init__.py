"""Archiving events, recommendations and actions, restoring them, and deleting mistakes."""
