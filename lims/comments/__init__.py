"""Comments on datasets and files."""
