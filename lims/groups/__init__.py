"""Research groups: people who join projects together (see :mod:`lims.groups.models`)."""
