"""Feature extractors, one submodule per family (import them directly, e.g.
``from mlpc_helpers.features import stereology``)."""
