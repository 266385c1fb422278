"""The hub's geography: LSOAs, wards and neighbourhoods, and placing points in them.

Door: ``load_areas()`` for the configured area, ``Areas.assign()`` to place
points, ``to_bng()`` / ``to_wgs84()`` to move between coordinate systems.
"""

from saferhub.areas.boundaries import Area, Areas, load_areas
from saferhub.areas.projection import to_bng, to_wgs84

__all__ = ["Area", "Areas", "load_areas", "to_bng", "to_wgs84"]
