"""Reading a torch checkpoint without running code from it: the one `load_checkpoint` every package uses.

`torch.load(weights_only=False)` unpickles arbitrary objects, so a crafted `.pt` in a run folder (or one passed to
`--init-from`) would run code where cloud credentials live. Checkpoints hold only tensors, numbers, strings and
nested dicts/lists of them, which torch's restricted unpickler (`weights_only=True`) reads. Anything else, and any
damaged or truncated file, is refused with one line that names the file and says to delete it.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UnusableFile


def load_checkpoint(path: str | Path):
    """The object stored at `path` by `torch.save`, read with torch's restricted unpickler (no code runs)."""
    import pickle
    import zipfile

    import torch

    path = Path(path)
    try:
        return torch.load(path, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as err:
        reason = str(err).splitlines()[0][:200] if str(err) else "not a plain checkpoint"
        raise UnusableFile(
            f"{path}: refused, it holds more than tensors and numbers ({reason}); delete it if you "
            f"did not write it, and rerun to recompute it"
        ) from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, ValueError, KeyError, IndexError) as err:
        raise UnusableFile(
            f"{path}: damaged or truncated checkpoint ({type(err).__name__}); delete it and rerun to recompute it"
        ) from None
    except OSError as err:
        raise UnusableFile(f"{path}: cannot be read ({err.strerror or err}); check the path") from None
