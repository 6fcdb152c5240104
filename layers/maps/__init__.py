"""Maps drawn by MapServer (mapscript): the renderer behind WMS, WMTS, image tiles and printing."""
