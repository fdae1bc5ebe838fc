"""The trash of instrument files, and purging the trash (with the bytes) once it is old."""
