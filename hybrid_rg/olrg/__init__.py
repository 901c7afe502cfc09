"""OLRG: operator learning renormalization group (arXiv:2403.03199), engine and operator matrix maps."""

from .block import Block, SiteModel, exact_block, grow
from .correlators import boundary_correlators
from .evolution import expectation, heisenberg, propagators
from .flow import FlowResult, IdentityMap, OperatorMap, run_flow
from .loss import LossConfig, scale_loss
from .omm import LinearIsometryMap

__all__ = [
    "Block",
    "SiteModel",
    "exact_block",
    "grow",
    "boundary_correlators",
    "expectation",
    "heisenberg",
    "propagators",
    "FlowResult",
    "IdentityMap",
    "OperatorMap",
    "run_flow",
    "LossConfig",
    "scale_loss",
    "LinearIsometryMap",
]
