"""The map frame's picture, rendered by layers.maps (MapServer) at the print's dpi in pieces.

A 300 dpi A3 map is some 4,700 × 3,000 pixels: it is asked for in pieces of at most PIECE pixels
a side, so each request stays within the renderer's size limits and the job's progress moves
piece by piece. Each piece is drawn with a BUFFER of pixels around it that is cut away, so
symbols and labels near a seam are drawn whole by one of the two pieces."""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from layers.maps.render import map_render
from layers.models import Layer
from layers.scope import FeatureScope

PIECE = 2000
BUFFER = 64


@dataclass(frozen=True)
class Piece:
    x: int  # where the piece's first pixel (inside the buffer) goes in the frame
    y: int
    width: int
    height: int
    png: bytes  # width + 2 BUFFER by height + 2 BUFFER pixels


def piece_grid(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """(x, y, w, h) of the pieces covering a width × height frame, row by row from the top left."""
    return [(x, y, min(PIECE, width - x), min(PIECE, height - y))
            for y in range(0, height, PIECE) for x in range(0, width, PIECE)]


def map_pieces(*, layers: Sequence[Layer], bbox: tuple[float, float, float, float], width: int, height: int,
               dpi: float, language: str, scopes: Mapping[int, FeatureScope] | None = None) -> Iterator[Piece]:
    """The frame's pieces, each rendered from its own EPSG:3857 bbox with the buffer around it;
    `scopes` as map_render takes them."""
    res_x = (bbox[2] - bbox[0]) / width
    res_y = (bbox[3] - bbox[1]) / height
    for x, y, w, h in piece_grid(width, height):
        piece_bbox = (bbox[0] + (x - BUFFER) * res_x, bbox[3] - (y + h + BUFFER) * res_y,
                      bbox[0] + (x + w + BUFFER) * res_x, bbox[3] - (y - BUFFER) * res_y)
        png = map_render(layers=layers, bbox=piece_bbox, crs="EPSG:3857", width=w + 2 * BUFFER,
                         height=h + 2 * BUFFER, fmt="png", transparent=True, dpi=dpi, language=language,
                         scopes=scopes)
        yield Piece(x=x, y=y, width=w, height=h, png=png)
