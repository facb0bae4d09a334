"""Performance metrics: their one definition (definitions.py), the facts they are computed
from (facts.py), reporting periods (periods.py) and the rollup into performance records."""
