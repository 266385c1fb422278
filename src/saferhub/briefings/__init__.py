"""Briefings: the daily hub briefing and the weekly local briefings (HTML and PDF)."""
