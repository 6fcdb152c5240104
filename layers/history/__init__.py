"""Feature history (every create/update/delete as a full-state version) and the audit log."""
