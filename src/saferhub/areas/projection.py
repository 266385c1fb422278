"""WGS84 longitude/latitude to and from British National Grid (EPSG:27700), vectorised."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pyproj import Transformer


@lru_cache(maxsize=1)
def _forward() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


@lru_cache(maxsize=1)
def _inverse() -> Transformer:
    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def to_bng(longitude: np.ndarray, latitude: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Easting and northing in metres; NaN where the input is NaN."""
    lon = np.asarray(longitude, dtype=float)
    lat = np.asarray(latitude, dtype=float)
    easting, northing = _forward().transform(lon, lat)
    return np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)


def to_wgs84(easting: np.ndarray, northing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude in degrees; NaN where the input is NaN."""
    e = np.asarray(easting, dtype=float)
    n = np.asarray(northing, dtype=float)
    lon, lat = _inverse().transform(e, n)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
