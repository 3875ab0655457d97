"""Replies to the tracker's emails: recorded on their action, or held for a coordinator."""
