"""The live map: committed feature changes and editors' presence pushed to open pages (docs/live.md)."""
