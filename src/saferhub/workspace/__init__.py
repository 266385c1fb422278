"""The analyses and briefings as one signed-in reader sees them, for the web workspace.

- ``people_lists``: frequent callers, repeat victims, vulnerable people for a reader.
- ``places``: current hotspots (Gi*) and changes in counts, from the events a reader may see.
- ``packs``: the briefing archive on disk (an agency's daily and weekly packs), made on request.
- ``cache``: results kept per key and day in memory, computed once however many ask at once.
"""
