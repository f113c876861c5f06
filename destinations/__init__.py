"""Destinations built on the framework, one package each."""
