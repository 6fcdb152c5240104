"""Map tiles of the platform's layers: MVT and GeoJSON tiles and TileJSON, rendered in PostGIS,
cached in Redis and invalidated by feature edits. See queries.py for what a tile carries."""
