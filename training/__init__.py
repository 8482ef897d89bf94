"""Dataset preparation, generator fine-tuning, ranker training and lite-model builds."""
