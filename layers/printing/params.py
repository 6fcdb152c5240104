"""A print request's JSON body, checked field by field into a PrintRequest.

Every refusal is a PrintRequestError whose message names the field and what it accepts; a layer
the requester may not see is refused with the same words as one that does not exist."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from django.conf import settings

from layers.permissions import visible_layer_or_none
from layers.printing.page import PAPERS
from layers.scope import drawing_scopes

FORMATS = ("pdf", "png")
DPIS = (150, 300)
ORIENTATIONS = ("portrait", "landscape")
LANGUAGES = ("zh", "en")
MAX_LAYERS = 20
MAX_TITLE = 60
MAX_REVIEW_NUMBER = 40


class PrintRequestError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PrintRequest:
    paper: str
    orientation: str
    format: str
    dpi: int
    layers: list[str]  # slugs, drawn first to last (the first at the bottom)
    # The scoped shares among them (layers/scope.py), by layer id, as the requester had them.
    scopes: dict[str, dict]
    bbox: list[float] | None  # lon/lat west, south, east, north
    center: list[float] | None  # lon, lat (with zoom: printed at the screen's scale)
    zoom: float | None
    title: str
    review_number: str
    language: str

    def as_params(self) -> dict:
        return asdict(self)


def _choice(data: dict, name: str, choices: tuple, default):
    value = data.get(name, default)
    if isinstance(value, str):
        value = value.strip()
        value = value.upper() if name == "paper" else value.lower()
        if value.isdigit():
            value = int(value)
    if value not in choices:
        raise PrintRequestError(f"{name} must be one of {', '.join(str(c) for c in choices)}; got {value!r}.")
    return value


def _numbers(value, name: str, count: int) -> list[float]:
    if not isinstance(value, list | tuple) or len(value) != count:
        raise PrintRequestError(f"{name} must be a list of {count} numbers.")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value):
        raise PrintRequestError(f"{name} must be a list of {count} numbers.")
    return [float(v) for v in value]


def _inside_city(lon: float, lat: float) -> bool:
    west, south, east, north = settings.CITY_EXTENT
    return west <= lon <= east and south <= lat <= north


def _text(data: dict, name: str, limit: int, default: str = "") -> str:
    value = data.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise PrintRequestError(f"{name} must be text.")
    value = " ".join(value.split())
    if len(value) > limit:
        raise PrintRequestError(f"{name} is {len(value)} characters long; at most {limit} fit on the page.")
    return value or default


def _extent(data: dict) -> tuple[list[float] | None, list[float] | None, float | None]:
    west, south, east, north = settings.CITY_EXTENT
    city = f"the city's extent ({west}, {south}, {east}, {north})"
    if data.get("bbox") is not None:
        bbox = _numbers(data["bbox"], "bbox", 4)
        if not (bbox[0] < bbox[2] and bbox[1] < bbox[3]):
            raise PrintRequestError("bbox must be west, south, east, north in degrees (EPSG:4326), west < east "
                                    "and south < north.")
        if not (_inside_city(bbox[0], bbox[1]) and _inside_city(bbox[2], bbox[3])):
            raise PrintRequestError(f"bbox must lie inside {city}.")
        return bbox, None, None
    if data.get("center") is None:
        raise PrintRequestError("Give the view to print: bbox [west, south, east, north] in degrees, or center "
                                "[lon, lat] and zoom.")
    center = _numbers(data["center"], "center", 2)
    if not _inside_city(*center):
        raise PrintRequestError(f"center must lie inside {city}.")
    zoom = data.get("zoom")
    if not isinstance(zoom, int | float) or isinstance(zoom, bool) or not 8 <= zoom <= 20:
        raise PrintRequestError("zoom must be a number from 8 to 20 with center.")
    return None, center, float(zoom)


def print_request_parse(*, data, principal) -> tuple[PrintRequest, list]:
    """The checked request and its layers (in draw order), or PrintRequestError."""
    if not isinstance(data, dict):
        raise PrintRequestError("The body must be a JSON object.")
    slugs = data.get("layers")
    if not isinstance(slugs, list) or not slugs or not all(isinstance(s, str) for s in slugs):
        raise PrintRequestError("layers must be a non-empty list of layer slugs, in draw order (bottom first).")
    if len(slugs) > MAX_LAYERS:
        raise PrintRequestError(f"A print takes at most {MAX_LAYERS} layers; got {len(slugs)}.")
    if len(set(slugs)) != len(slugs):
        raise PrintRequestError("layers names a layer twice.")
    layers, scopes = [], {}
    for slug in slugs:
        layer = visible_layer_or_none(principal, slug, scoped=True)  # a scoped share is printed within it
        scope = drawing_scopes(principal=principal, layers=[layer]) if layer is not None else None
        if scope is None:
            raise PrintRequestError(f"No layer {slug!r}.")
        scopes.update({str(pk): value.document() for pk, value in scope.items()})
        layers.append(layer)
    language = _choice(data, "language", LANGUAGES, "zh")
    bbox, center, zoom = _extent(data)
    city = settings.GEOPORTAL_CITY_NAME_ZH if language == "zh" else settings.GEOPORTAL_CITY_NAME_EN
    request = PrintRequest(
        paper=_choice(data, "paper", tuple(PAPERS), "A4"),
        orientation=_choice(data, "orientation", ORIENTATIONS, "portrait"),
        format=_choice(data, "format", FORMATS, "pdf"),
        dpi=_choice(data, "dpi", DPIS, 150),
        layers=[layer.slug for layer in layers], scopes=scopes, bbox=bbox, center=center, zoom=zoom,
        title=_text(data, "title", MAX_TITLE, city),
        review_number=_text(data, "review_number", MAX_REVIEW_NUMBER),
        language=language,
    )
    return request, layers
