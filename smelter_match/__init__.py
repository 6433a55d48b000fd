"""smelter_match: map supplier-reported smelter names onto RMI smelter IDs (CIDs)."""

__version__ = "0.1.0"
