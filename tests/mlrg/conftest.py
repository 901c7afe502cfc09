"""The test machine has 2 shared cores: one torch thread avoids OpenMP spin-waiting (30× faster on small tensors)."""

import torch

torch.set_num_threads(1)
