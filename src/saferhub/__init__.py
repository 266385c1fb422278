"""SaferHub: software for multi-agency community safety hubs."""

__version__ = "0.1.0"
