"""Backups of one deployment: the database (pg_dump's custom format) and the files under the media,
raster and import folders, described by a manifest of sizes and SHA-256 hashes (docs/backup.md)."""
