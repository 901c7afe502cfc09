"""CORA (seed 001, Bény): a classical MERA of stochastic maps — a generative model with exact local marginals.

Modules (one idea each; torch is imported by the modules that need it, never by this package itself, so that
`import hybrid_rg.cli` stays light):

    geometry     lattices Γ0…Γ_J and the wiring of isometries / disentanglers (1D binary, 2D 2×2 blocks)
    model        `Cora`: softmax-parameterised stochastic maps + fiducial top state
    marginals    exact marginals over any few sites through the causal cone (`ConeMarginals`)
    sampling     exact ancestral sampling of whole configurations
    inverse      Bayesian inverse of a 1D layer (coarse-graining data by posterior sampling)
    patches      local reduced distributions of data, cross-entropy / KL against the model
    learning     method 1 (layer by layer), method 2 (all layers at once), further passes with trained priors
    ising, ising_exact, data   project-made training data and exact references (Kaufman, Onsager)
    observables  correlations vs distance and nearest-neighbour energy
    spec, run, cli             `hybrid-rg cora fit SPEC.toml --out DIR`, `hybrid-rg cora sample RUN_DIR --n N`

See docs/cora.md for the derivations.
"""
