"""Write the example notebooks in notebooks/ and run them to store their outputs.

    .venv/bin/python tools/make_notebooks.py [NAME ...]

The notebooks are the user documentation and `make test` checks them with nbval, so edit the
cells here, run this, read the outputs, and commit the .ipynb files.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1] / "notebooks"
SETUP = '''import os, tempfile
# In JupyterLab with the trainlab extension, TRAINLAB_HOME is the server's workspace; run
# alone (as the test suite does), this notebook uses a scratch one.
os.environ.setdefault("TRAINLAB_HOME", tempfile.mkdtemp(prefix="trainlab-docs-"))
import trainlab
ws = trainlab.Workspace()'''


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text.strip())


def code(text: str) -> nbformat.NotebookNode:
    """A code cell; one that starts with a "# varies: why" comment is tagged
    ``nbval-ignore-output`` (a live widget's model id, a figure), and only those."""
    cell = nbformat.v4.new_code_cell(text.strip())
    if text.strip().startswith("# varies:"):
        cell.metadata["tags"] = ["nbval-ignore-output"]
    return cell


NOTEBOOKS: dict[str, list] = {
    "01-quickstart.ipynb": [
        md("""# Quickstart: a DataFrame to a model in a few cells

A small tabular dataset (customers, and whether they left) that is already a pandas
DataFrame: added to the workspace, where it is checked and profiled; a test set held out
before training; a model trained with `trainlab.fit` and with the panel; an honest score on
the held-out rows; predictions."""),
        code(SETUP),
        md("Your data is often a DataFrame already (here we make one). Every row is a customer; `churned` is what we predict."),
        code('''import numpy as np, pandas as pd
rng = np.random.default_rng(0)
n = 600
df = pd.DataFrame({
    "tenure_months": rng.integers(1, 72, n),
    "monthly_fee": rng.normal(60, 20, n).round(2),
    "plan": pd.Categorical(rng.choice(["basic", "plus", "pro"], n)),
    "support_calls": rng.poisson(1.5, n),
})
risk = 0.05 * df.support_calls * 10 - df.tenure_months / 24 + (df.plan == "basic") * 1.0
df["churned"] = np.where(risk + rng.normal(0, 0.5, n) > 0, "yes", "no")
df.head()'''),
        md("""Add it to the workspace. It is stored once (as JSON Lines, with its column types
beside it), validated and profiled like an uploaded file, and from then on visible in the
panels and over the REST API. `ds.to_pandas()` gives the same frame back."""),
        code('''ds = ws.datasets.add(df, name="churn")
ds'''),
        code('''same = ws.datasets.add(df, name="churn")      # the same content: the same dataset, not a copy
same.id == ds.id, ds.to_pandas().equals(df)'''),
        md("""Hold out a test set before training, so the final score is on rows the model never
saw. The split is seeded (the same call gives the same datasets), stratified by the label,
and each half records its parent."""),
        code('''train, test = ds.split(test_size=0.2, stratify="churned", seed=0)
print(train.rows, "train rows,", test.rows, "test rows; parent:", train.parent["id"] == ds.id)'''),
        md("""Train in one line. `label=` names the column to predict; `churned` holds two values, so
this is classification. (`trainlab.fit` also holds out a validation part of `train`, to pick
the best model and stop early.)"""),
        code('''result = trainlab.fit(train, label="churned", max_steps=150, seed=0)
result'''),
        code('''# varies: a figure
result.plot();'''),
        md("""Evaluate on the held-out test rows, with the same preprocessing the model was trained
with. The evaluation is recorded on the job (`ws.jobs.get(job_id).evaluations`, the Jobs
panel, and `POST jobs/{id}/evaluate` over REST); rows it cannot score would be counted, not
dropped."""),
        code('''evaluation = trainlab.evaluate(result, test)
evaluation'''),
        code('''evaluation.confusion'''),
        md("Load the saved model (here, in another notebook, in a script) and predict new customers:"),
        code('''model = trainlab.load_model(result.job_id)
new = pd.DataFrame({"tenure_months": [2, 60], "monthly_fee": [80.0, 40.0],
                    "plan": ["basic", "pro"], "support_calls": [5, 0]})
model.predict(new).tolist()'''),
        md("""The same with the panel: pick the task and columns (inferred here), press **Start**.
Progress, the loss chart and the log update while the notebook stays free; **Stop**
checkpoints and ends the run."""),
        code('''# varies: a live widget, whose model id differs on every run
panel = trainlab.widgets.TrainPanel(train, workspace=ws)
panel'''),
        code('''panel.task.value, panel.mapping_value(), panel.start.disabled'''),
        code('''panel.train(max_steps=150, seed=0)   # what Start does, with a short run for the docs
print(panel.wait().status)'''),
        md("""With no code at all: JupyterLab's **Training** sidebar (the icon in the left bar). Drop a
CSV file on it (this DataFrame as `df.to_csv("customers.csv")`, say), or right-click the file in
the file browser and pick *Train on this file…*: the form fills the task and columns from the
data and checks them, **Start** runs a background job
whose view shows the live loss chart, the log, the metrics, and at the end the model, with the
`trainlab.load_model("<job id>")` line to copy and a box to predict. It lists the datasets and
jobs of this workspace, this notebook's runs included.

![The Training sidebar and a job's live view](../docs/sidebar-en.png)"""),
    ],
    "02-datasets.ipynb": [
        md("""# Datasets: what the report says, and fixing a file

trainlab reads JSON Lines, JSON and CSV, and names every bad line with its line number,
field and a message that says how to fix it."""),
        code(SETUP),
        code('''broken = """{"text": "great film", "label": "pos"}
{"text": "awful", "label": "neg"
{"text": "fine", "label": "pos"}
{"text": NaN, "label": "neg"}
{"text": "loved it", "label": "pos"} {"text": "again", "label": "pos"}
"""
with open("reviews-broken.jsonl", "w") as f:
    f.write(broken)
ds = ws.datasets.add("reviews-broken.jsonl")
print(ds.status, "-", ds.rows, "valid rows")
for e in ds.report["errors"]:
    print(f"line {e['line']}: {e['code']}: {e['message']}")'''),
        md("The file is kept (`invalid`), so you can look at it; nothing half-read is stored. Fix the three lines and add it again:"),
        code('''fixed = broken.replace('"neg"\\n', '"neg"}\\n', 1).replace("NaN", '"meh"').replace('} {"text": "again"', '}\\n{"text": "again"')
with open("reviews.jsonl", "w") as f:
    f.write(fixed)
ds = ws.datasets.add("reviews.jsonl")
print(ds.status, "-", ds.rows, "rows")'''),
        code('''ds.preview(limit=3)'''),
        code('''profile = ds.profile(label="label")
{name: (info["type"], info["distinct"]) for name, info in profile["fields"].items()}'''),
        code('''[(c["value"], c["count"]) for c in profile["class_balance"]["classes"]]'''),
        md("The same in a panel: upload from the browser (any size: it is sent in acknowledged 1 MiB parts), import a file from the server's tree, or pick a dataset."),
        code('''# varies: a live widget
trainlab.widgets.DatasetPanel(ws)'''),
    ],
    "03-text-persian.ipynb": [
        md("""# Text classification in Persian and English

trainlab reads text as UTF-8 bytes, so any language works with nothing downloaded. A small
mixed set of reviews, a sentiment model, predictions on new sentences."""),
        code(SETUP),
        code('''import json, random
rng = random.Random(0)
good = {"en": ["great", "wonderful", "loved it", "excellent"], "fa": ["عالی", "فوق‌العاده", "دوست داشتم", "زیبا"]}
bad = {"en": ["terrible", "boring", "a waste", "awful"], "fa": ["افتضاح", "خسته‌کننده", "بد", "وقت تلف کردن"]}
fill = {"en": ["the film was", "honestly", "I think it was"], "fa": ["فیلم", "واقعا", "به نظرم"]}
rows = []
for _ in range(500):
    lang, label = rng.choice(["en", "fa"]), rng.choice(["pos", "neg"])
    word = rng.choice((good if label == "pos" else bad)[lang])
    rows.append({"review": f"{rng.choice(fill[lang])} {word}", "sentiment": label})
with open("reviews-mixed.jsonl", "w", encoding="utf-8") as f:
    f.writelines(json.dumps(r, ensure_ascii=False) + "\\n" for r in rows)
ds = ws.datasets.add("reviews-mixed.jsonl")
print(ds.status, ds.rows, ds.schema)'''),
        code('''result = trainlab.fit(ds, task="text-classification", columns={"text": "review", "label": "sentiment"},
                      max_steps=120, seed=0, arch={"d_model": 64, "heads": 2, "layers": 1})
print(result.status, "accuracy", round(result.metrics["accuracy"], 2))'''),
        code('''model = trainlab.load_model(result.job_id)
model.predict(["فیلم عالی", "honestly awful", "به نظرم خسته‌کننده", "I think it was wonderful"])'''),
    ],
    "04-custom-model.ipynb": [
        md("""# Your own model

Any `nn.Module` and tensors: trainlab runs the loop (AdamW, warmup and cosine, clipping,
checkpoints), records the run as a job, and stops and resumes it exactly."""),
        code(SETUP),
        code('''import threading, torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
x = torch.randn(2000, 8)
y = (x[:, 0] * x[:, 1] > 0).long()          # a pattern a linear model cannot learn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 32), nn.GELU(), nn.Linear(32, 2))
    def forward(self, x):
        return self.body(x)

def accuracy(out, target):
    return (out.argmax(1) == target).float().mean().item()'''),
        md("Stop after 50 steps (the Stop button of the panel does the same), then resume:"),
        code('''class StopAt(trainlab.Callback):
    def __init__(self, event, at): self.event, self.at = event, at
    def on_step(self, step, *rest):
        if step >= self.at: self.event.set()

stop = threading.Event()
first = trainlab.fit(model=Net(), train=(x[:1600], y[:1600]), val=(x[1600:], y[1600:]),
                     loss=F.cross_entropy, metrics={"accuracy": accuracy}, max_steps=300,
                     batch_size=64, seed=0, log_every=10, stop=stop, callbacks=[StopAt(stop, 50)])
print(first.status, "at step", first.steps)'''),
        code('''second = trainlab.fit(model=Net(), train=(x[:1600], y[:1600]), val=(x[1600:], y[1600:]),
                      loss=F.cross_entropy, metrics={"accuracy": accuracy}, resume_from=first.job_id)
print(second.status, "at step", second.steps, "accuracy", round(second.metrics["accuracy"], 2))'''),
        md("Or in the panel, with your module from the cell above:"),
        code('''# varies: a live widget
trainlab.widgets.TrainPanel(model=Net(), train=(x[:1600], y[:1600]), val=(x[1600:], y[1600:]),
                            loss=F.cross_entropy, workspace=ws)'''),
    ],
    "05-background-jobs.ipynb": [
        md("""# Background jobs

A job runs in its own process, started by a scheduler (the trainlab server extension runs
one in JupyterLab; here we start one). Its progress, metrics and log are in the workspace,
for this notebook, the jobs panel and the REST API alike."""),
        code(SETUP),
        code('''import numpy as np, pandas as pd
rng = np.random.default_rng(1)
n = 500
df = pd.DataFrame({"rooms": rng.integers(1, 6, n), "area": rng.normal(80, 25, n).round(1)})
df["price"] = (df.rooms * 30 + df.area * 2 + rng.normal(0, 5, n)).round(1)
df.to_csv("houses.csv", index=False)
ds = ws.datasets.add("houses.csv")
print(ds.status, ds.rows)'''),
        code('''from trainlab.jobs import Scheduler
scheduler = Scheduler(ws, prewarm=False).start()     # JupyterLab's server runs this for you
job = ws.jobs.submit(dataset_id=ds.id, columns={"target": "price"},
                     params={"max_steps": 200, "eval_every": 20, "seed": 0})
job.status'''),
        code('''# varies: a live widget
trainlab.widgets.JobsPanel(ws)'''),
        md("""In JupyterLab the same jobs are in the **Training** sidebar (the icon in the left bar),
live, with Stop, Resume and Delete; a click opens a job's view with its loss chart. The status
bar says how many run."""),
        code('''done = ws.jobs.wait(job.id, timeout=300)
print(done.status, "r2 > 0.9:", done.best_metrics["r2"] > 0.9)'''),
        md("The metrics history, as a DataFrame and a plot:"),
        code('''history = pd.DataFrame(ws.jobs.metrics(job.id))
val = history[(history.split == "val") & (history.name == "loss")]
print(len(val), "evaluations; last val loss < first:", val.value.iloc[-1] < val.value.iloc[0])'''),
        code('''# varies: a figure
ax = history[history.name == "loss"].pivot_table(index="step", columns="split", values="value").plot(logy=True)
ax.set_ylabel("loss");'''),
        code('''scheduler.close()'''),
    ],
    "06-pretrained.ipynb": [
        md("""# Pretrained models: fine-tune a Hugging Face model

`base_model=` fine-tunes a pretrained transformer (a Hub id or a local folder) instead of a
byte-level model. To run anywhere with nothing downloaded, this notebook builds a tiny model
itself: a tokenizer trained on its own texts and a small BERT with random weights, written with
`save_pretrained`. A folder like that is all a model on the Hugging Face Hub is."""),
        code(SETUP),
        code("""import json, random, warnings
warnings.filterwarnings("ignore")
import transformers
transformers.logging.set_verbosity_error()
transformers.utils.logging.disable_progress_bar()
rng = random.Random(0)
good = {"en": ["great", "wonderful", "loved it", "excellent"], "fa": ["عالی", "فوق‌العاده", "دوست داشتم", "زیبا"]}
bad = {"en": ["terrible", "boring", "a waste", "awful"], "fa": ["افتضاح", "خسته‌کننده", "بد", "وقت تلف کردن"]}
fill = {"en": ["the film was", "honestly", "I think it was"], "fa": ["فیلم", "واقعا", "به نظرم"]}
rows = []
for _ in range(200):
    lang, label = rng.choice(["en", "fa"]), rng.choice(["pos", "neg"])
    rows.append({"review": f"{rng.choice(fill[lang])} {rng.choice((good if label == 'pos' else bad)[lang])}",
                 "sentiment": label})
with open("reviews-pretrained.jsonl", "w", encoding="utf-8") as f:
    f.writelines(json.dumps(r, ensure_ascii=False) + "\\n" for r in rows)
ds = ws.datasets.add("reviews-pretrained.jsonl")
print(ds.status, ds.rows)"""),
        md("""A WordPiece tokenizer trained with `tokenizers` on these texts, and a 2-layer BERT built
from its config (random weights), saved into a folder:"""),
        code("""from pathlib import Path
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

raw = Tokenizer(models.WordPiece(unk_token="[UNK]"))
raw.pre_tokenizer, raw.decoder = pre_tokenizers.Whitespace(), decoders.WordPiece()
raw.train_from_iterator([r["review"] for r in rows], trainers.WordPieceTrainer(
    vocab_size=200, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], show_progress=False))
raw.post_processor = processors.TemplateProcessing(
    single="[CLS] $A [SEP]", special_tokens=[("[CLS]", raw.token_to_id("[CLS]")), ("[SEP]", raw.token_to_id("[SEP]"))])
tokenizer = PreTrainedTokenizerFast(tokenizer_object=raw, unk_token="[UNK]", pad_token="[PAD]",
                                    cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                    intermediate_size=64, max_position_embeddings=64, pad_token_id=tokenizer.pad_token_id)
torch.manual_seed(0)
folder = Path(os.environ["TRAINLAB_HOME"]) / "tiny-bert"
BertForSequenceClassification(config).save_pretrained(folder)
tokenizer.save_pretrained(folder)
sorted(p.name for p in folder.iterdir())"""),
        md("Fine-tune it on the Persian + English reviews: the same `fit`, with `base_model=` a folder."),
        code("""result = trainlab.fit(ds, task="text-classification", columns={"text": "review", "label": "sentiment"},
                      base_model=str(folder), lr=3e-3, epochs=6, batch_size=16, seed=0, device="cpu")
print(result.status, "accuracy > 0.9:", result.metrics["accuracy"] > 0.9)"""),
        code("""model = trainlab.load_model(result.job_id)
texts = ["فیلم عالی", "honestly awful", "به نظرم خسته‌کننده", "I think it was wonderful"]
model.predict(texts)"""),
        code("""model.predict_proba(texts).round(1)"""),
        md("""The artifact is a `save_pretrained` folder: plain `transformers` loads it, with no trainlab,
and predicts the same labels."""),
        code("""from transformers import AutoModelForSequenceClassification, AutoTokenizer
hf_model = AutoModelForSequenceClassification.from_pretrained(result.model_path)
hf_tok = AutoTokenizer.from_pretrained(result.model_path)
with torch.no_grad():
    logits = hf_model(**hf_tok(texts, padding=True, return_tensors="pt")).logits
plain = [hf_model.config.id2label[int(i)] for i in logits.argmax(-1)]
print(plain, plain == list(model.predict(texts)))"""),
        md("""## A causal language model with LoRA

A tiny GPT-2 (byte-level BPE tokenizer, random weights), fine-tuned with LoRA on prompt /
completion pairs: the loss is on the completion only, and only the adapter trains."""),
        code("""from transformers import GPT2Config, GPT2LMHeadModel
qa = [("two plus two", "four"), ("capital of iran", "tehran"), ("سلام", "سلام، خوبم"), ("color of the sky", "blue")]
pairs = [{"q": f"question: {q}?", "a": f" answer: {a}"} for q, a in qa] * 8
raw = Tokenizer(models.BPE())
raw.pre_tokenizer, raw.decoder = pre_tokenizers.ByteLevel(add_prefix_space=False), decoders.ByteLevel()
raw.train_from_iterator([p["q"] + p["a"] for p in pairs], trainers.BpeTrainer(
    vocab_size=300, special_tokens=["<|endoftext|>", "<pad>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    show_progress=False))
lm_tok = PreTrainedTokenizerFast(tokenizer_object=raw, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                 unk_token="<|endoftext|>", pad_token="<pad>")
torch.manual_seed(0)
lm = GPT2LMHeadModel(GPT2Config(vocab_size=len(lm_tok), n_embd=32, n_layer=2, n_head=2, n_positions=64,
                                bos_token_id=lm_tok.bos_token_id, eos_token_id=lm_tok.eos_token_id,
                                pad_token_id=lm_tok.pad_token_id, initializer_range=0.3))
lm_folder = Path(os.environ["TRAINLAB_HOME"]) / "tiny-gpt2"
lm.save_pretrained(lm_folder)
lm_tok.save_pretrained(lm_folder)
import pandas as pd
lm_result = trainlab.fit(pd.DataFrame(pairs), task="causal-lm", columns={"prompt": "q", "completion": "a"},
                         base_model=str(lm_folder), lora=True, lora_r=16, lora_targets=["c_attn", "c_proj", "c_fc"],
                         lr=2e-2, epochs=10, batch_size=8, seed=5, device="cpu", early_stopping=None)
losses = [h["loss"] for h in lm_result.train_history]
print(lm_result.status, "loss fell by more than half:", losses[-1] < losses[0] / 2)"""),
        code("""lm_model = trainlab.load_model(lm_result.job_id)
lm_model.generate("question: two plus two?", max_new_tokens=6, temperature=0)"""),
        md("""## A real model from the Hub, and an offline cluster

With a real model the only change is `base_model`: a Hub id instead of the folder.

```python
result = trainlab.fit(ds, task="text-classification", columns={"text": "review", "label": "sentiment"},
                      base_model="HooshvareLab/bert-fa-zwnj-base")
```

Ids resolve through the Hugging Face cache (`$HF_HOME/hub`, default `~/.cache/huggingface`).
On a cluster with no network:

1. Where the Hub is reachable, download once: `hf download HooshvareLab/bert-fa-zwnj-base`
   (or run one `fit` there).
2. Copy the cache folder (`$HF_HOME/hub/models--HooshvareLab--bert-fa-zwnj-base`, or the whole
   `$HF_HOME`) into the cluster's `$HF_HOME/hub`.
3. Set `HF_HUB_OFFLINE=1` there. The same id now resolves from the copy; an id that is not
   there fails at once with `model_not_available`, saying where it looked, before any job starts.

A `save_pretrained` folder copied anywhere works too: pass its path, as above."""),
    ],
    "07-experiments.ipynb": [
        md("""# Experiments: hyperparameter searches

An experiment tries several settings and keeps the best. Its trials are ordinary background
jobs (they show in `ws.jobs`, the jobs panel and the REST API); Optuna picks the settings and
its median pruner stops trials that fall behind the earlier ones at the same step."""),
        code(SETUP),
        code('''import numpy as np, pandas as pd
rng = np.random.default_rng(7)
n = 600
df = pd.DataFrame({"x": rng.normal(0, 1, n).round(3), "y": rng.normal(0, 1, n).round(3),
                   "shape": rng.choice(["circle", "square", "star"], n)})
df["label"] = np.where(df.x * df.y + 0.5 * (df["shape"] == "star") > 0, "yes", "no")
df.to_csv("shapes.csv", index=False)
ds = ws.datasets.add("shapes.csv")
print(ds.status, ds.rows)'''),
        md("""A scheduler runs the trials (the trainlab server extension runs one in JupyterLab;
here we start one)."""),
        code('''from trainlab.jobs import Scheduler
scheduler = Scheduler(ws, prewarm=False).start()     # JupyterLab's server runs this for you'''),
        md("""The search space: a learning rate on a log scale, the width of the hidden layers
(two choices) and the dropout. Six short trials; the metric is the task's main one (accuracy,
maximized). `max_concurrent=1` runs the trials one after another and `pruner="none"` lets
each run to its end. Leave both out for a real search: as many trials at once as the
scheduler has slots, and weak trials stopped early. The values TPE samples differ from run to
run (what it has been told depends on when the scheduler looks at each trial), so the tables
below change a little each time you run this page."""),
        code('''exp = ws.experiments.create(
    "shapes search", ds, columns={"target": "label"},
    space={"lr": trainlab.loguniform(1e-3, 1e-1),
           "arch.hidden": [16, 64],
           "arch.dropout": trainlab.uniform(0.0, 0.3)},
    trials=6, max_concurrent=1, pruner="none", seed=0,
    params={"max_steps": 60, "eval_every": 10, "early_stopping": None, "batch_size": 32})
print(exp.name, "|", exp.metric, exp.direction, "|", exp.status)'''),
        md("Wait for it; the experiment shows as a leaderboard, the best trial first:"),
        code('''# varies: the values TPE samples depend on when the scheduler looks at each trial
exp.wait(timeout=300)'''),
        md("Every trial as a row, in trial order: its parameters, its final and best metrics:"),
        code('''# varies: the sampled parameters (see above)
table = exp.results()         # also: job_id, duration_s, the other metrics
table[["number", "state", "lr", "arch.hidden", "arch.dropout", "best_accuracy",
       "final_accuracy", "status"]].round(4)'''),
        md("The best trial: its parameters, its value and its model, ready to predict:"),
        code('''# varies: the sampled parameters (see above)
best = exp.best()
print(best.params, round(best.value, 4))
model = best.load_model()
model.predict(pd.DataFrame({"x": [1.5, -1.5], "y": [1.5, 1.5],
                            "shape": ["circle", "circle"]})).tolist()'''),
        md("""The plots: each trial's validation accuracy (the best thick, pruned trials dashed),
the best value so far by trial, and the parameters against the metric (log axis for the
learning rate, the choices evenly spaced)."""),
        code('''# varies: a figure
exp.plot_curves()'''),
        code('''# varies: a figure
exp.plot_best_so_far()'''),
        code('''# varies: a figure
exp.plot_params()'''),
        md("""Any jobs side by side, from an experiment or not: the same table, and the metric's
histories aligned on the step (the same plots work on it too)."""),
        code('''# varies: the sampled parameters (see above)
other = next(t["job_id"] for t in exp.trials if t["job_id"] != best.job.id)
cmp = ws.experiments.compare([best.job.id, other])
cmp.histories.round(4)'''),
        md("The experiments panel (also a tab of `trainlab.ui()`): pick one for its live leaderboard."),
        code('''# varies: a live widget
trainlab.widgets.ExperimentsPanel(ws)'''),
        code('''scheduler.close()'''),
    ],
}


def main(names: list[str]) -> None:
    for name, cells in NOTEBOOKS.items():
        if names and name not in names:
            continue
        nb = nbformat.v4.new_notebook(cells=cells)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(ROOT)}}).execute()
        nbformat.write(nb, ROOT / name)
        print("wrote", name)


if __name__ == "__main__":
    main(sys.argv[1:])
