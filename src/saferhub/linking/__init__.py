"""People (and places) across agencies: probabilistic linkage with Splink, stable ids, review.

Door for people: ``link_people`` (link or relink the store), ``review_queue``, ``decide``
and ``explain`` (human review and the evidence for any pair), ``export_person_links``.
"""

from saferhub.linking.export import export_person_links, person_links
from saferhub.linking.people import LinkBusy, LinkOptions, LinkSummary, link_people
from saferhub.linking.review import ReviewError, ReviewItem, decide, explain, review_queue

__all__ = [
    "LinkBusy",
    "LinkOptions",
    "LinkSummary",
    "ReviewError",
    "ReviewItem",
    "decide",
    "explain",
    "export_person_links",
    "link_people",
    "person_links",
    "review_queue",
]
