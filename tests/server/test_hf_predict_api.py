"""POST jobs/{id}/predict for a fine-tuned causal LM reads the prompt from the model's own
prompt column (``prompt`` and ``text`` are aliases); a record without it is a 422."""

from __future__ import annotations

import pandas as pd

import trainlab

ROWS = [{"q": "question: what is two plus two?", "a": " answer: four"}] * 24


async def test_a_causal_lm_predict_reads_the_models_prompt_column(api, app, tiny_models, hf_home):
    result = trainlab.fit(pd.DataFrame(ROWS), workspace=app.workspace, task="causal-lm",
                          base_model=str(tiny_models["causal-lm"]), device="cpu", max_steps=1,
                          columns={"prompt": "q", "completion": "a"}, batch_size=8)
    assert result.status == "completed"
    model = trainlab.load_model(result.job_id, workspace=app.workspace)
    url = f"jobs/{result.job_id}/predict"
    prompt = "question: what is"
    expected = model.generate(prompt, max_new_tokens=100, seed=0)
    assert expected != model.generate("", max_new_tokens=100, seed=0)  # the prompt matters
    for record in ({"q": prompt}, {"prompt": prompt}, prompt):
        code, out = await api("POST", url, {"records": [record]})
        assert code == 200 and out["predictions"] == [expected], (record, out)
    for records, code_name, named in (
            ([{"zzz": 1}], "missing_features", "q or prompt"),
            ([{"q": prompt}, {"text2": prompt}], "missing_features", "Record 1"),
            ([{"q": None}], "wrong_value_type", "'q'"),
            ([{"q": 3}], "wrong_value_type", "3")):
        code, body = await api("POST", url, {"records": records})
        assert code == 422 and body["error"]["code"] == code_name, (records, body)
        assert named in body["error"]["message"], body
