"""trainlab's default tabular model against scikit-learn's classic baselines, on real data.

    python benchmarks/bench_quality.py [--quick] [--set bench|dev|all] [--splits 5]
                                       [--datasets wine,diabetes] [--params '{"lr": 0.001}']

For each dataset and each of ``--splits`` seeded 80/20 splits (stratified for
classification), three models learn from the same 80% and are scored on the same 20%:

- trainlab, exactly as a user runs it: the training rows go in with ``ws.datasets.add(df)``
  (a fresh temporary workspace), ``trainlab.fit(ds, target=...)`` with no other setting,
  and ``trainlab.load_model(job_id).predict(test_df)``;
- ``HistGradientBoostingClassifier`` / ``Regressor`` with scikit-learn's defaults
  (categorical columns as ``categorical_features="from_dtype"``);
- a scaled linear model: ``StandardScaler`` (after median imputation) + one-hot categories,
  then ``LogisticRegression(max_iter=5000)`` or ``RidgeCV`` (alphas 10^-3..10^3).

Accuracy for classification, R² for regression, averaged over the splits. One JSON line per
dataset (each model's score, trainlab / best baseline, trainlab's mean fit seconds, the
whole fit call: adding the data, checking, training, saving, and its optimizer steps),
then a summary line with the
geometric mean of trainlab / best baseline and the lowest ratio.

Two sets of datasets, all shipped inside packages (nothing is downloaded):

- DEVELOPMENT (where defaults are tuned, e.g. with experiments): scikit-learn's ``wine``
  (178 rows, 3 classes), ``diabetes`` (442 rows, regression), statsmodels' ``anes96``
  (944 rows, ``vote``) and vega_datasets' ``cars`` (398 rows with a known MPG, regression,
  ``Origin`` categorical).
- BENCHMARK (never used for tuning): scikit-learn's ``iris`` (150), ``breast_cancer`` (569),
  ``digits`` (1797 rows, 10 classes); vega_datasets' ``seattle_weather`` (1461 rows,
  ``weather`` from the day's measurements) and ``barley`` (120 rows, ``yield`` from variety,
  year and site: all categorical); statsmodels' ``fair`` (6366 rows, classification of
  ``affairs > 0`` as in statsmodels' own logit example), ``star98`` (303 rows, the share of
  students above the national median, ``NABOVE / (NABOVE + NBELOW)``), ``grunfeld``
  (220 rows, ``invest``, ``firm`` categorical) and ``engel`` (235 rows, ``foodexp`` from
  ``income``).

``--quick`` runs two benchmark datasets (iris, star98) on one split, in seconds.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import trainlab


def _sk(name: str, target_name: str = "target") -> Callable[[], tuple[pd.DataFrame, str]]:
    def load() -> tuple[pd.DataFrame, str]:
        from sklearn import datasets

        bunch = getattr(datasets, f"load_{name}")(as_frame=True)
        frame = bunch.frame.rename(columns={"target": target_name})
        frame.columns = [str(c).replace(" ", "_") for c in frame.columns]
        return frame, target_name
    return load


def _wine() -> tuple[pd.DataFrame, str]:
    frame, target = _sk("wine", "cultivar")()
    frame[target] = "class_" + frame[target].astype(str)
    return frame, target


def _iris() -> tuple[pd.DataFrame, str]:
    frame, target = _sk("iris", "species")()
    frame[target] = "species_" + frame[target].astype(str)
    return frame, target


def _breast_cancer() -> tuple[pd.DataFrame, str]:
    frame, target = _sk("breast_cancer", "diagnosis")()
    frame[target] = np.where(frame[target] == 1, "benign", "malignant")
    return frame, target


def _digits() -> tuple[pd.DataFrame, str]:
    frame, target = _sk("digits", "digit")()
    frame[target] = "d" + frame[target].astype(str)
    return frame, target


def _statsmodels(name: str) -> pd.DataFrame:
    import statsmodels.datasets as smd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(smd, name).load_pandas().data.copy()


def _anes96() -> tuple[pd.DataFrame, str]:
    frame = _statsmodels("anes96")
    frame["vote"] = np.where(frame["vote"] == 1, "dole", "clinton")
    return frame.drop(columns=["logpopul"]), "vote"


def _fair() -> tuple[pd.DataFrame, str]:
    frame = _statsmodels("fair")
    frame["affair"] = np.where(frame.pop("affairs") > 0, "yes", "no")
    return frame, "affair"


def _star98() -> tuple[pd.DataFrame, str]:
    frame = _statsmodels("star98")
    frame["above_share"] = frame["NABOVE"] / (frame["NABOVE"] + frame["NBELOW"])
    return frame.drop(columns=["NABOVE", "NBELOW"]), "above_share"


def _grunfeld() -> tuple[pd.DataFrame, str]:
    frame = _statsmodels("grunfeld")
    frame["firm"] = frame["firm"].astype(str)
    return frame, "invest"


def _engel() -> tuple[pd.DataFrame, str]:
    return _statsmodels("engel")[["income", "foodexp"]], "foodexp"


def _cars() -> tuple[pd.DataFrame, str]:
    from vega_datasets import local_data

    frame = local_data.cars().drop(columns=["Name", "Year"])
    frame.columns = [c.replace(" ", "_") for c in frame.columns]
    return frame.dropna(subset=["Miles_per_Gallon"]).reset_index(drop=True), "Miles_per_Gallon"


def _seattle_weather() -> tuple[pd.DataFrame, str]:
    from vega_datasets import local_data

    return local_data.seattle_weather().drop(columns=["date"]), "weather"


def _barley() -> tuple[pd.DataFrame, str]:
    from vega_datasets import local_data

    frame = local_data.barley()
    frame["year"] = frame["year"].astype(str)
    return frame, "yield"


# name -> (loader, classification?)
DEV = {"wine": (_wine, True), "diabetes": (_sk("diabetes", "progression"), False),
       "anes96": (_anes96, True), "cars": (_cars, False)}
BENCH = {"iris": (_iris, True), "breast_cancer": (_breast_cancer, True), "digits": (_digits, True),
         "seattle_weather": (_seattle_weather, True), "fair": (_fair, True),
         "star98": (_star98, False), "grunfeld": (_grunfeld, False), "engel": (_engel, False),
         "barley": (_barley, False)}
QUICK = ["iris", "star98"]


def splits(frame: pd.DataFrame, target: str, classification: bool, n: int):
    from sklearn.model_selection import train_test_split

    for seed in range(n):
        train, test = train_test_split(frame, test_size=0.2, random_state=seed,
                                       stratify=frame[target] if classification else None)
        yield seed, train.reset_index(drop=True), test.reset_index(drop=True)


def score(classification: bool, truth: pd.Series, pred: np.ndarray) -> float:
    from sklearn.metrics import accuracy_score, r2_score

    return float(accuracy_score(truth, pred) if classification else r2_score(truth, pred))


def run_trainlab(train: pd.DataFrame, test: pd.DataFrame, target: str, params: dict) -> tuple:
    with tempfile.TemporaryDirectory() as folder:
        ws = trainlab.Workspace(folder)
        started = time.perf_counter()
        ds = ws.datasets.add(train, name="train")
        result = trainlab.fit(ds, target=target, workspace=ws, **params)
        seconds = time.perf_counter() - started
        model = trainlab.load_model(result.job_id, workspace=ws)
        pred = model.predict(test.drop(columns=[target]))
        return np.asarray(pred), seconds, result.steps


def baselines(train: pd.DataFrame, test: pd.DataFrame, target: str, classification: bool) -> dict:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, RidgeCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    x_train, x_test = train.drop(columns=[target]), test.drop(columns=[target])
    categorical = [c for c in x_train.columns if not pd.api.types.is_numeric_dtype(x_train[c])]
    numeric = [c for c in x_train.columns if c not in categorical]
    for frame in (x_train, x_test):
        for c in categorical:
            frame[c] = frame[c].astype(pd.CategoricalDtype(sorted(x_train[c].dropna().unique())))
    hgb = (HistGradientBoostingClassifier if classification else HistGradientBoostingRegressor)(
        categorical_features="from_dtype", random_state=0)
    linear = LogisticRegression(max_iter=5000) if classification else \
        RidgeCV(alphas=np.logspace(-3, 3, 13))
    prep = ColumnTransformer(
        [("num", Pipeline([("impute", SimpleImputer(strategy="median")),
                           ("scale", StandardScaler())]), numeric),
         ("cat", OneHotEncoder(handle_unknown="ignore"), categorical)])
    out = {}
    for name, model in (("hgb", hgb), ("linear", Pipeline([("prep", prep), ("model", linear)]))):
        model.fit(x_train, train[target])
        out[name] = score(classification, test[target], model.predict(x_test))
    return out


def bench(name: str, loader: Callable, classification: bool, n_splits: int, params: dict) -> dict:
    frame, target = loader()
    scores: dict[str, list[float]] = {"trainlab": [], "hgb": [], "linear": []}
    seconds, steps = [], []
    for _seed, train, test in splits(frame, target, classification, n_splits):
        pred, took, ran = run_trainlab(train, test, target, params)
        scores["trainlab"].append(score(classification, test[target], pred))
        seconds.append(took)
        steps.append(ran)
        for key, value in baselines(train, test, target, classification).items():
            scores[key].append(value)
    mean = {k: float(np.mean(v)) for k, v in scores.items()}
    best = max(mean["hgb"], mean["linear"])
    return {"dataset": name, "task": "classification" if classification else "regression",
            "metric": "accuracy" if classification else "r2", "rows": len(frame),
            "splits": n_splits, **{k: round(v, 4) for k, v in mean.items()},
            "ratio": round(mean["trainlab"] / best, 4),
            "trainlab_fit_s": round(float(np.mean(seconds)), 2),
            "trainlab_steps": round(float(np.mean(steps)))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="two datasets, one split")
    parser.add_argument("--set", choices=("bench", "dev", "all"), default="bench")
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--datasets", default="", help="comma-separated names (any set)")
    parser.add_argument("--params", default="{}", help="JSON settings for trainlab.fit "
                        "(development only: the benchmark's figures use none)")
    args = parser.parse_args(argv)
    known = {**DEV, **BENCH}
    chosen = {"bench": BENCH, "dev": DEV, "all": known}[args.set]
    names = list(chosen)
    if args.datasets:
        names = args.datasets.split(",")
    if args.quick:
        names, args.splits = QUICK, 1
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"unknown datasets {unknown}; known: {', '.join(known)}")
    warnings.filterwarnings("ignore")
    params = json.loads(args.params)
    ratios = []
    for name in names:
        loader, classification = known[name]
        line = bench(name, loader, classification, args.splits, params)
        ratios.append(line["ratio"])
        print(json.dumps(line), flush=True)
    geomean = math.exp(sum(math.log(max(r, 1e-9)) for r in ratios) / len(ratios))
    print(json.dumps({"summary": "trainlab / best baseline", "datasets": len(ratios),
                      "splits": args.splits, "geomean_ratio": round(geomean, 4),
                      "min_ratio": round(min(ratios), 4),
                      "below_0.97": [n for n, r in zip(names, ratios, strict=True) if r < 0.97],
                      "params": params}), flush=True)


if __name__ == "__main__":
    main()
