"""Passages to vectors and back: chunking, the embedder, the FAISS index and its manifest.

Nothing here imports torch, faiss or onnxruntime at module level; the classes
load them when first used.
"""
