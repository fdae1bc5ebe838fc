"""Notes: the key-value metadata (with units) and tags researchers add to files and datasets."""
