"""Pretrained Hugging Face models (``base_model=``): finding them offline-first, and fine-tuning
them with trainlab's one loop. Needs the ``trainlab[hf]`` extra; nothing here imports
transformers, peft or huggingface_hub at module import time."""
