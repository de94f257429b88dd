"""Feature extractors as scikit-learn transformers, one submodule per family.

Importing this package imports none of them; every name below loads its submodule on first
use (``lazy_loader.attach``, the front-door style of every package of ``mlpc_helpers``).

- :class:`TextureFeatures` (``texture``) — GLCM, LBP and intensity statistics per image.
- :class:`StereologyFeatures` (``stereology``) — point counts, intercepts, S_V, chord
  lengths of phase maps; the stereology functions live in the module.
- :class:`TwoPointStatistics` (``two_point``) — two-point correlations of phase maps.
- :class:`ElementFractions`, :class:`MagpieFeaturizer` (``composition``) — formula strings
  to element fractions and Magpie descriptors.
- :class:`PowerNormalizer`, :func:`embedding_pipeline` (``embeddings``) — post-processing of
  CNN embeddings before clustering.
- :class:`ImageStackTransformer` — the base of the image-stack transformers (a stack
  (n, H, W) in, a table (n, n_features) out), to write one of your own.

Every transformer passes scikit-learn's estimator checks (``tests/test_common.py``); those on
images and formulas declare their input with ``__sklearn_tags__``.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=["composition", "embeddings", "stereology", "texture", "two_point"],
    submod_attrs={
        "_base": ["ImageStackTransformer"],
        "texture": ["TextureFeatures"],
        "stereology": ["StereologyFeatures"],
        "two_point": ["TwoPointStatistics"],
        "composition": ["ElementFractions", "MagpieFeaturizer"],
        "embeddings": ["PowerNormalizer", "embedding_pipeline"],
    },
)
