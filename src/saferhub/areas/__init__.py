"""The hub's geography: LSOAs, wards and neighbourhoods, and placing points in them.

Door: ``load_areas()`` for the configured area, ``Areas.assign()`` to place
points, ``to_bng()`` / ``to_wgs84()`` to move between coordinate systems.
Near LSOA boundaries an area file may add a reference set of published LSOA
assignments (``ReferencePoints``); ``saferhub.areas.reference`` explains the
method and its measured effect, ``python -m saferhub.areas.evaluate`` re-measures it.
"""

from saferhub.areas.boundaries import Area, Areas, load_areas
from saferhub.areas.projection import to_bng, to_wgs84
from saferhub.areas.reference import ReferencePoints

__all__ = ["Area", "Areas", "ReferencePoints", "load_areas", "to_bng", "to_wgs84"]
