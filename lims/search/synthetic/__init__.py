"""Synthetic catalogues for measuring search at scale (``manage.py seed_synthetic``).

``vocabulary`` is what the synthetic facility has, ``rows`` makes the file records and their
index entries, ``bulk`` loads them into PostgreSQL quickly, ``seed`` puts it together.
"""

from lims.search.synthetic.seed import seed_synthetic
from lims.search.synthetic.vocabulary import RARE_KEY

__all__ = ["RARE_KEY", "seed_synthetic"]
