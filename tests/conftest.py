"""Session-wide test settings.

One torch thread: the tests work on small matrices, where intra-op threads only spin-wait on a 2-core machine
(measured 15–30× slower on small tensors while another process ran).

No progress output unless a test asks for it (tests/utils/test_progress.py does): heartbeat lines would otherwise
join a command's one-line error on stderr whenever a loaded machine makes it take longer than 10 s. Subprocesses
inherit the setting.
"""

import os

import torch

os.environ.setdefault("HYBRID_RG_PROGRESS", "off")

torch.set_num_threads(1)
