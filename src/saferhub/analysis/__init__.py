"""Analyses of demand and harm: frequent callers, repeats, hotspots, near repeats, changes."""
