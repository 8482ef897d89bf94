"""ONNX export of generator, ranker and illustrator folders, with quantization and parity
reports. Builds on :mod:`inference`; never imported by it."""
