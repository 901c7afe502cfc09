"""derive_seed gives the seeds ledgers and studies already recorded (sha256 of the "/"-joined parts, 32 bits)."""

import hashlib

from hybrid_rg.utils.seeds import derive_seed


def test_the_seeds_recorded_before_the_one_function_stay_the_same():
    def before(blob):  # the formula runtime.idempotency and calibration.study each wrote out
        return int.from_bytes(hashlib.sha256(blob.encode()).digest()[:4], "big")

    assert derive_seed(5, 0) == before("5/0") and derive_seed(2**31, 17) == before(f"{2**31}/17")
    assert derive_seed("hem_emulator", 7, 3) == before("hem_emulator/7/3")
    assert 0 <= derive_seed(1, 2) < 2**32 and derive_seed(1, 2) != derive_seed(2, 1)
