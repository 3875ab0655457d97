"""Import recommendations from a workshop report: find the drafts, review, accept."""
