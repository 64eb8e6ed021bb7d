"""Grounded question answering over maintenance and care guides."""
