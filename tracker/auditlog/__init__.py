"""The admins' audit page: every audit entry and action history row, in one list."""
