"""Session-wide test settings.

One torch thread: the tests work on small matrices, where intra-op threads only spin-wait on a 2-core machine
(measured 15–30× slower on small tensors while another process ran).
"""

import torch

torch.set_num_threads(1)
