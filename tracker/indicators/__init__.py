"""Indicators of recommendations and actions: baselines, targets and measured values."""
