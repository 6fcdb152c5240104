"""Writing through the browser: JSON endpoints for features (with base versions), their history,
geometry repair, and layer management for managers."""
