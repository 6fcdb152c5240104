"""WMTS 1.0.0 (KVP and RESTful) over the tile matrix sets of layers/tiles/matrixsets.py."""
