"""``demotivator bench``: speed and correctness of every stage on real-size models.

Importing it sets the same safe threading defaults as :mod:`inference` (OMP_WAIT_POLICY).
"""

import inference  # noqa: F401
