"""Exact references: state-vector evolution (Krylov / ODE) for any expression, free fermions for the TFIM."""

from .free_fermions import GroundState, TFIMFreeFermions, ZeroState, majorana_matrix
from .krylov import MAX_KRYLOV_SITES, evolve, ground_state, product_state
from .pfaffian import pfaffian

__all__ = [
    "GroundState",
    "TFIMFreeFermions",
    "ZeroState",
    "majorana_matrix",
    "MAX_KRYLOV_SITES",
    "evolve",
    "ground_state",
    "product_state",
    "pfaffian",
]
