"""MLRG (arXiv seed 002): equivariant teacher/student RBMs on Lieb-lattice blocks, the exact-KL RG map, the
RG-monotone network, fixed points and scaling dimensions of 2D Ising models. Overview and derivations:
docs/mlrg.md; commands: `hybrid-rg mlrg --help`."""
