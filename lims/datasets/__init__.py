"""Datasets: groups of instrument files inside a project."""
