"""Distances on the earth: one haversine for scalars and numpy arrays alike."""

from __future__ import annotations

from typing import Union

import numpy as np

EARTH_RADIUS_KM = 6371.0088

Degrees = Union[float, np.ndarray]


def haversine_km(lat1: Degrees, lon1: Degrees, lat2: Degrees, lon2: Degrees) -> Degrees:
    """Great-circle distance in km between points given in degrees; exact enough for "how far is the next
    group". Arrays broadcast, so the distances from one point to all 565 municipalities take one step."""
    phi1, lam1, phi2, lam2 = (np.radians(value) for value in (lat1, lon1, lat2, lon2))
    h = np.sin((phi2 - phi1) / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
