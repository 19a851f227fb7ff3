"""Tiny Hugging Face models built locally for the tests: nothing is downloaded.

A tokenizer is trained with ``tokenizers`` on the given texts (Persian and English), a model of a
few thousand parameters is built from its config, and both are written with ``save_pretrained``
into a folder, or into a Hugging Face cache layout so the model resolves by a Hub id.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

TEXTS = [
    "the film was great", "a wonderful and moving story", "i loved every minute of it",
    "the acting was superb", "what a delightful surprise", "the best movie this year",
    "the film was terrible", "a boring and slow story", "i hated every minute of it",
    "the acting was awful", "what a waste of time", "the worst movie this year",
    "فیلم عالی بود", "داستانی زیبا و تاثیرگذار", "از هر دقیقه‌اش لذت بردم", "بازی‌ها فوق‌العاده بود",
    "فیلم افتضاح بود", "داستانی کسل‌کننده و کند", "از هر دقیقه‌اش بدم آمد", "وقت تلف کردن بود",
    "question: what is two plus two? answer: four", "سلام، حال شما چطور است؟ خوبم، ممنون",
]
SPECIALS = {"bert": ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
            "gpt2": ["<|endoftext|>", "<pad>"]}


def train_tokenizer(kind: str, texts: Iterable[str] = TEXTS, vocab_size: int = 300):
    """A fast tokenizer trained on ``texts``: WordPiece for ``bert``, byte-level BPE for
    ``gpt2``, wrapped as a ``PreTrainedTokenizerFast`` with the special tokens set."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    texts = list(texts)
    if kind == "bert":
        tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        tok.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()])
        tok.pre_tokenizer = pre_tokenizers.Whitespace()
        tok.decoder = decoders.WordPiece()
        tok.train_from_iterator(texts, trainers.WordPieceTrainer(
            vocab_size=vocab_size, special_tokens=SPECIALS["bert"]))
        cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
        tok.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
            special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
        return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                       cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(texts, trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIALS["gpt2"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>",
                                   eos_token="<|endoftext|>", unk_token="<|endoftext|>",
                                   pad_token="<pad>")


def tiny_classifier(folder: Path, *, num_labels: int = 2, texts: Iterable[str] = TEXTS,
                    hidden: int = 32, layers: int = 2) -> Path:
    """A tiny BERT sequence classifier (random weights) and its tokenizer in ``folder``."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    tokenizer = train_tokenizer("bert", texts)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=hidden, num_hidden_layers=layers,
                        num_attention_heads=2, intermediate_size=2 * hidden,
                        max_position_embeddings=128, num_labels=num_labels,
                        pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    folder = Path(folder)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def tiny_causal_lm(folder: Path, *, texts: Iterable[str] = TEXTS, hidden: int = 32,
                   layers: int = 2, context: int = 128, chat_template: str | None = None,
                   **settings: object) -> Path:
    """A tiny GPT-2 causal LM (random weights) and its byte-level BPE tokenizer in ``folder``;
    ``settings`` override GPT2Config fields (e.g. ``initializer_range``)."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    tokenizer = train_tokenizer("gpt2", texts)
    if chat_template is not None:
        tokenizer.chat_template = chat_template
    config = GPT2Config(vocab_size=len(tokenizer), n_embd=hidden, n_layer=layers, n_head=2,
                        n_positions=context, bos_token_id=tokenizer.bos_token_id,
                        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
                        **settings)
    torch.manual_seed(0)
    model = GPT2LMHeadModel(config)
    folder = Path(folder)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def into_hub_cache(folder: Path, cache: Path, repo_id: str, commit: str = "0" * 40) -> Path:
    """Copy a ``save_pretrained`` folder into a Hugging Face Hub cache layout
    (``models--org--name/snapshots/<commit>`` + ``refs/main``), as a download would leave it,
    so ``repo_id`` resolves offline. Returns the snapshot folder."""
    repo = Path(cache) / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / commit
    blobs = repo / "blobs"
    snapshot.mkdir(parents=True, exist_ok=True)
    blobs.mkdir(exist_ok=True)
    for path in Path(folder).iterdir():
        if path.is_file():
            blob = blobs / f"{path.name}-{commit[:8]}"
            shutil.copyfile(path, blob)
            (snapshot / path.name).symlink_to(Path("..") / ".." / "blobs" / blob.name)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    return snapshot
