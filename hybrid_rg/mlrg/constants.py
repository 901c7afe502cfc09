"""Exact 2D Ising numbers the MLRG results are compared with (never used to compute a result).

The square-lattice Ising model on the Lieb-lattice decoration has its critical point at the physical coupling
J0c = ½ arccosh(1 + √2) (rbm.py explains the units: the authors' J_rbm = 2 J0); the CFT data are those of the
Ising fixed point.
"""

import math

J0C = 0.5 * math.acosh(1.0 + math.sqrt(2.0))  # 0.7642854597…
DELTA_SIGMA, DELTA_EPS, CENTRAL_CHARGE = 0.125, 1.0, 0.5
NU_ISING = 1.0
