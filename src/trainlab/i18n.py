"""Localized messages for every error, warning and report entry, and the notebook panels'
words (English and Persian).

A message is looked up by its stable ``code`` and formatted with named parameters.
The language is chosen, in order, by an explicit ``lang`` argument, ``$TRAINLAB_LANG``,
then the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``); anything else falls back to English.
"""

from __future__ import annotations

import os
import re
import string
from typing import Any

LANGUAGES = ("en", "fa")

# code -> {lang: template}. Templates use str.format with named fields.
MESSAGES: dict[str, dict[str, str]] = {
    # --- whole-file problems: the file is rejected and nothing is kept ---
    "unsupported_format": {
        "en": "'{name}' has an unsupported file type '{ext}'. Use .jsonl, .json, .csv or .parquet, "
        "or pass format='jsonl', 'json', 'csv' or 'parquet'.",
        "fa": "نوع فایل '{name}' ('{ext}') پشتیبانی نمی‌شود. از ‎.jsonl، ‎.json، ‎.csv یا ‎.parquet استفاده کنید "
        "یا format را برابر 'jsonl'، 'json'، 'csv' یا 'parquet' بدهید.",
    },
    "empty_file": {
        "en": "'{name}' is empty (0 bytes). Upload a file with a header or records in it.",
        "fa": "فایل '{name}' خالی است (0 بایت). فایلی با سرستون یا رکورد بارگذاری کنید.",
    },
    "binary_file": {
        "en": "'{name}' looks like a binary file (a NUL byte at byte {offset}). trainlab reads "
        "UTF-8 text: JSON Lines, JSON or CSV.",
        "fa": "فایل '{name}' دودویی به نظر می‌رسد (بایت NUL در بایت {offset}). trainlab فقط متن UTF-8 "
        "می‌خواند: JSON Lines، JSON یا CSV.",
    },
    "not_utf8": {
        "en": "'{name}' is not UTF-8 text: invalid byte 0x{byte} at line {line}, column {column}. "
        "Save the file as UTF-8 and upload it again.",
        "fa": "فایل '{name}' متن UTF-8 نیست: بایت نامعتبر 0x{byte} در سطر {line}، ستون {column}. "
        "فایل را با کدگذاری UTF-8 ذخیره و دوباره بارگذاری کنید.",
    },
    "json_not_array": {
        "en": "'{name}' holds a JSON {kind}, not an array of records. Put the records in a "
        "top-level array [{{...}}, {{...}}] or save them as JSON Lines (.jsonl).",
        "fa": "فایل '{name}' یک {kind} در JSON است، نه آرایه‌ای از رکوردها. رکوردها را در یک آرایهٔ "
        "[{{...}}, {{...}}] بگذارید یا آن‌ها را به صورت JSON Lines ‏(.jsonl) ذخیره کنید.",
    },
    "csv_no_header": {
        "en": "The first row of '{name}' looks like data, not a header ({cells}). Add a first "
        "row with the column names.",
        "fa": "سطر اول '{name}' به داده شبیه است، نه سرستون ({cells}). سطری با نام ستون‌ها به ابتدای "
        "فایل اضافه کنید.",
    },
    "no_records": {
        "en": "'{name}' holds no records. Add at least one record.",
        "fa": "فایل '{name}' هیچ رکوردی ندارد. دست‌کم یک رکورد اضافه کنید.",
    },
    "too_large": {
        "en": "'{name}' is larger than the size limit of {limit:plural:byte|bytes} (stopped after {size:plural:byte|bytes}). "
        "Raise the limit (max_upload_bytes) or split the file.",
        "fa": "فایل '{name}' از سقف {limit} بایت بزرگ‌تر است (پس از {size} بایت متوقف شد). "
        "سقف (max_upload_bytes) را بالا ببرید یا فایل را تقسیم کنید.",
    },
    "source_not_found": {
        "en": "No file at '{path}'. Check the path (it is relative to {cwd}).",
        "fa": "فایلی در '{path}' نیست. مسیر را بررسی کنید (نسبت به {cwd}).",
    },
    "dataset_not_found": {
        "en": "No dataset with id '{id}' in this workspace. ws.datasets.list() shows the ones there are.",
        "fa": "مجموعه‌داده‌ای با شناسهٔ '{id}' در این فضای کار نیست. ws.datasets.list() موجودها را نشان می‌دهد.",
    },
    "invalid_argument": {
        "en": "Invalid {name}: {detail}",
        "fa": "مقدار نامعتبر برای {name}: {detail}",
    },
    "unknown_task": {
        "en": "Unknown task '{task}'. Choose one of: {tasks}.",
        "fa": "کار ناشناختهٔ '{task}'. یکی از این‌ها را انتخاب کنید: {tasks}.",
    },
    "column_not_found": {
        "en": "Column '{column}' (for '{key}') is not in the dataset.{hint} Columns: {columns}.",
        "fa": "ستون '{column}' (برای '{key}') در مجموعه‌داده نیست.{hint} ستون‌ها: {columns}.",
    },
    "missing_mapping": {
        "en": "Task '{task}' needs a '{key}' column: pass columns={{'{key}': '<column name>'}}.",
        "fa": "کار '{task}' به ستون '{key}' نیاز دارد: columns={{'{key}': '<نام ستون>'}} را بدهید.",
    },
    "store_busy": {
        "en": "The workspace database at '{path}' stayed locked for {seconds} s; another process "
        "is holding it. Try again.",
        "fa": "پایگاه‌دادهٔ فضای کار در '{path}' به مدت {seconds} ثانیه قفل ماند؛ فرایند دیگری آن را "
        "نگه داشته است. دوباره تلاش کنید.",
    },
    "workspace_unusable": {
        "en": "Cannot use '{path}' as the trainlab workspace ({detail}). Choose a folder you can write to: Workspace('/some/folder') or set TRAINLAB_HOME.",
        "fa": "نمی‌توان از '{path}' به عنوان فضای کار trainlab استفاده کرد ({detail}). پوشه‌ای را انتخاب کنید که در آن حق نوشتن دارید: Workspace('/some/folder') یا TRAINLAB_HOME را تنظیم کنید.",
    },
    "store_too_new": {
        "en": "The workspace at '{path}' was written by a newer trainlab (schema {found}, this "
        "version knows up to {known}). Upgrade trainlab.",
        "fa": "فضای کار در '{path}' با نسخهٔ جدیدتری از trainlab نوشته شده است (طرح {found}، این "
        "نسخه تا {known} را می‌شناسد). trainlab را به‌روز کنید.",
    },
    # --- training ---
    "cuda_unavailable": {
        "en": "Device '{device}' was asked for, but this machine has no usable GPU for it. Use device='auto' (falls back to the CPU) or device='cpu'.",
        "fa": "دستگاه '{device}' خواسته شد، اما این ماشین GPU قابل‌استفاده‌ای برای آن ندارد. device='auto' (که به CPU برمی‌گردد) یا device='cpu' را به کار ببرید.",
    },
    "no_such_gpu": {
        "en": "Device '{device}' does not exist: this machine has {count} GPU(s), numbered from 0.",
        "fa": "دستگاه '{device}' وجود ندارد: این ماشین {count} GPU دارد که از 0 شماره‌گذاری شده‌اند.",
    },
    "unknown_device": {
        "en": "Unknown device '{device}' ({detail}). Use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'.",
        "fa": "دستگاه ناشناختهٔ '{device}' ({detail}). 'auto'، 'cpu'، 'cuda'، 'cuda:N' یا 'mps' را به کار ببرید.",
    },
    "unknown_parameter": {
        "en": "Unknown training parameter '{name}'.{hint} Parameters: {known}.",
        "fa": "پارامتر آموزشی ناشناختهٔ '{name}'.{hint} پارامترها: {known}.",
    },
    "parameter_out_of_range": {
        "en": "Parameter '{name}' = {value!r} is out of range: {expected}.",
        "fa": "پارامتر '{name}' = {value!r} خارج از بازه است: {expected}.",
    },
    "not_trainable": {
        "en": "Dataset '{name}' cannot be used for {task}: {detail}",
        "fa": "مجموعه‌دادهٔ '{name}' برای {task} قابل استفاده نیست: {detail}",
    },
    "invalid_rows": {
        "en": "Dataset '{name}' has {count} row(s) that {task} cannot use (first: {first}). Fix them, or pass skip_invalid=True to train on the {valid} usable rows.",
        "fa": "مجموعه‌دادهٔ '{name}' {count} سطر دارد که {task} نمی‌تواند از آن‌ها استفاده کند (نخستین: {first}). آن‌ها را درست کنید، یا skip_invalid=True بدهید تا روی {valid} سطر قابل‌استفاده آموزش ببیند.",
    },
    "too_few_rows": {
        "en": "Dataset '{name}' has {rows} usable row(s); {task} needs at least {needed} to hold some out for validation.",
        "fa": "مجموعه‌دادهٔ '{name}' {rows} سطر قابل‌استفاده دارد؛ {task} دست‌کم {needed} سطر لازم دارد تا بخشی را برای اعتبارسنجی کنار بگذارد.",
    },
    "no_columns": {
        "en": "Cannot guess the '{key}' column for {task} in dataset '{name}'. Pass columns={{'{key}': '<column>'}}; columns: {columns}.",
        "fa": "ستون '{key}' برای {task} در مجموعه‌دادهٔ '{name}' قابل حدس نیست. columns={{'{key}': '<ستون>'}} را بدهید؛ ستون‌ها: {columns}.",
    },
    "out_of_memory": {
        "en": "Out of memory on {device} with batch_size={batch_size} ({detail}). Pass a smaller batch_size (with grad_accum= to keep the effective batch), a smaller arch=, or precision='bf16'.",
        "fa": "حافظهٔ {device} با batch_size={batch_size} تمام شد ({detail}). batch_size کوچک‌تری بدهید (با grad_accum= برای نگه داشتن اندازهٔ مؤثر دسته)، arch= کوچک‌تر، یا precision='bf16'.",
    },
    "invalid_spec": {
        "en": "Invalid job spec at '{field}': {detail}",
        "fa": "مشخصات کار در '{field}' نامعتبر است: {detail}",
    },
    "job_not_found": {
        "en": "No job with id '{id}' in this workspace. ws.jobs.list() shows the ones there are.",
        "fa": "کاری با شناسهٔ '{id}' در این فضای کار نیست. ws.jobs.list() موجودها را نشان می‌دهد.",
    },
    "job_not_active": {
        "en": "Job '{id}' is already {state}; there is nothing to stop.",
        "fa": "کار '{id}' از پیش {state} است؛ چیزی برای متوقف کردن نیست.",
    },
    "job_not_resumable": {
        "en": "Job '{id}' is {state}; only stopped or interrupted jobs can be resumed.",
        "fa": "کار '{id}' در وضعیت {state} است؛ فقط کارهای متوقف‌شده یا قطع‌شده ادامه می‌یابند.",
    },
    "job_running": {
        "en": "Job '{id}' is {state}; stop it first (ws.jobs.stop('{id}')), then delete it.",
        "fa": "کار '{id}' در وضعیت {state} است؛ نخست آن را متوقف کنید (ws.jobs.stop('{id}'))، سپس حذفش کنید.",
    },
    "custom_resume_here": {
        "en": "Job '{id}' trained your own module, which only your notebook has; resume it there: trainlab.fit(model=..., train=..., loss=..., resume_from='{id}').",
        "fa": "کار '{id}' ماژول خود شما را آموزش داده که فقط در نوت‌بوک شما هست؛ آن را همان‌جا ادامه دهید: trainlab.fit(model=..., train=..., loss=..., resume_from='{id}').",
    },
    "wait_timeout": {
        "en": "Job '{id}' is still {state} after {seconds} s.",
        "fa": "کار '{id}' پس از {seconds} ثانیه هنوز در وضعیت {state} است.",
    },
    "no_scheduler": {
        "en": "Job '{id}' is queued, but no scheduler is running for this workspace, so it will wait. Start one: open JupyterLab with the trainlab extension, or run `python -m trainlab.jobs.scheduler {path}`.",
        "fa": "کار '{id}' در صف است، اما هیچ زمان‌بندی برای این فضای کار اجرا نمی‌شود، پس منتظر می‌ماند. یکی را راه بیندازید: JupyterLab را با افزونهٔ trainlab باز کنید، یا `python -m trainlab.jobs.scheduler {path}` را اجرا کنید.",
    },
    "worker_start_failed": {
        "en": "Could not start a worker: {detail}",
        "fa": "راه‌اندازی فرایند کارگر ممکن نشد: {detail}",
    },
    # --- notes on a job, stored as code + params and rendered in the reader's language ---
    "note_cancelled": {
        "en": "Cancelled before it started.",
        "fa": "پیش از شروع لغو شد.",
    },
    "note_resumed": {
        "en": "Resumed at {at} from step {step}.",
        "fa": "در {at} از گام {step} از سر گرفته شد.",
    },
    "note_kernel_gone": {
        "en": "Its kernel process ({pid}) is gone. Resume to continue.",
        "fa": "فرایند کرنل آن ({pid}) دیگر وجود ندارد. برای ادامه، آن را از سر بگیرید.",
    },
    "note_worker_gone": {
        "en": "Its worker process ({pid}) is gone. Resume to continue.",
        "fa": "فرایند کارگر آن ({pid}) دیگر وجود ندارد. برای ادامه، آن را از سر بگیرید.",
    },
    "note_no_heartbeat": {
        "en": "No heartbeat for {seconds} s. Resume to continue.",
        "fa": "{seconds} ثانیه است که نشانهٔ زنده بودن (heartbeat) نداده است. برای ادامه، آن را از سر بگیرید.",
    },
    "note_stop_forced": {
        "en": "Forced: killed {seconds:g} s after the stop request.",
        "fa": "به اجبار: فرایند آن {seconds:g} ثانیه پس از درخواست توقف کشته شد.",
    },
    "note_stopped_before_start": {
        "en": "Stopped before training began.",
        "fa": "پیش از آغاز آموزش متوقف شد.",
    },
    "note_server_shut_down": {
        "en": "The server shut down before the job ended. Resume to continue.",
        "fa": "سرور پیش از پایان کار خاموش شد. برای ادامه، آن را از سر بگیرید.",
    },
    "note_worker_killed": {
        "en": "Its worker process was killed by signal {signal} before the job ended. Resume to continue.",
        "fa": "فرایند کارگر آن پیش از پایان کار با سیگنال {signal} کشته شد. برای ادامه، آن را از سر بگیرید.",
    },
    "note_worker_exited": {
        "en": "Its worker process exited with code {code} before the job ended. Resume to continue.",
        "fa": "فرایند کارگر آن پیش از پایان کار با کد {code} بیرون رفت. برای ادامه، آن را از سر بگیرید.",
    },
    "note_early_stopped": {
        "en": "Early stopping after {step} of {total} steps: validation {metric} stopped improving.",
        "fa": "توقف زودهنگام پس از {step} گام از {total}: {metric} روی دادهٔ اعتبارسنجی دیگر بهتر نشد.",
    },
    "note_interrupted": {
        "en": "Stopped by Ctrl-C / the notebook's interrupt.",
        "fa": "با Ctrl-C / وقفهٔ نوت‌بوک متوقف شد.",
    },
    "note_shut_down_resume": {
        "en": "The server shut down; resume to continue.",
        "fa": "سرور خاموش شد؛ برای ادامه، آن را از سر بگیرید.",
    },
    "write_failed": {
        "en": "Could not write '{path}': {detail}. Free some disk space or choose a workspace you can write to (TRAINLAB_HOME).",
        "fa": "نوشتن '{path}' ممکن نشد: {detail}. فضای دیسک را آزاد کنید یا فضای کاری را برگزینید که بتوانید در آن بنویسید (TRAINLAB_HOME).",
    },
    "custom_needs": {
        "en": "A custom run needs {what}: trainlab.fit(model=my_module, train=..., loss=...).",
        "fa": "اجرای سفارشی به {what} نیاز دارد: trainlab.fit(model=my_module, train=..., loss=...).",
    },
    "checkpoint_not_found": {
        "en": "No checkpoint at '{path}'. Pass a checkpoint file or the id of a job that saved one.",
        "fa": "هیچ نقطهٔ بازیابی در '{path}' نیست. یک فایل نقطهٔ بازیابی یا شناسهٔ کاری را بدهید که آن را ذخیره کرده است.",
    },
    "model_not_found": {
        "en": "No trained model at '{path}'. Pass a model folder, its model.json, or the id of a completed job.",
        "fa": "هیچ مدل آموزش‌دیده‌ای در '{path}' نیست. پوشهٔ مدل، model.json آن یا شناسهٔ یک کار تمام‌شده را بدهید.",
    },
    "bad_model_file": {
        "en": "The model at '{path}' cannot be loaded: {detail}",
        "fa": "مدل در '{path}' بارگذاری نمی‌شود: {detail}",
    },
    "bad_record": {
        "en": "Record {index}, field '{field}': {detail}",
        "fa": "رکورد {index}، فیلد '{field}': {detail}",
    },
    "wrong_model_kind": {
        "en": "This is a {task} model; {method}() works only for {needed} models.",
        "fa": "این یک مدل {task} است؛ {method}() فقط برای مدل‌های {needed} کار می‌کند.",
    },
    "custom_model_needed": {
        "en": "The model at '{path}' is a custom module; load it into your own module: trainlab.load_model(path, model=MyModule(...)).",
        "fa": "مدل در '{path}' یک ماژول سفارشی است؛ آن را در ماژول خودتان بارگذاری کنید: trainlab.load_model(path, model=MyModule(...)).",
    },
    # --- per-row problems: the row is invalid, the file is kept ---
    "invalid_json": {
        "en": "Line {line}, column {column}: not valid JSON ({detail}).",
        "fa": "سطر {line}، ستون {column}: JSON معتبر نیست ({detail}).",
    },
    "not_an_object": {
        "en": "Line {line}: expected a JSON object {{...}}, found {kind}.",
        "fa": "سطر {line}: یک شیء JSON ‏{{...}} انتظار می‌رفت، اما {kind} آمده است.",
    },
    "trailing_data": {
        "en": "Line {line}, column {column}: more than one JSON value on one line; put one "
        "record per line.",
        "fa": "سطر {line}، ستون {column}: بیش از یک مقدار JSON در یک سطر؛ هر رکورد را در یک سطر بگذارید.",
    },
    "non_finite_number": {
        "en": "Line {line}: NaN and Infinity are not valid JSON numbers; write null instead.",
        "fa": "سطر {line}: NaN و Infinity عدد معتبر JSON نیستند؛ به جای آن‌ها null بنویسید.",
    },
    "invalid_utf8": {
        "en": "Line {line}, column {column}: invalid UTF-8 byte 0x{byte}; the file must be UTF-8.",
        "fa": "سطر {line}، ستون {column}: بایت نامعتبر UTF-8 ‏(0x{byte})؛ فایل باید UTF-8 باشد.",
    },
    # --- issue 14, section 1, items 1-2 (deep nesting, a stray NUL byte): per-row problems ---
    "too_deep": {
        "en": "Line {line}, column {column}: nested deeper than {limit:plural:level|levels} of arrays and "
        "objects; flatten the record.",
        "fa": "سطر {line}، ستون {column}: تودرتویی آرایه‌ها و شیءها بیش از {limit} سطح است؛ "
        "رکورد را تخت‌تر کنید.",
    },
    "nul_byte": {
        "en": "Line {line}, column {column}: a NUL byte (0x00), which text never holds; remove "
        "it (in JSON, write \\u0000 inside a string).",
        "fa": "سطر {line}، ستون {column}: بایت NUL ‏(0x00) که در متن نمی‌آید؛ آن را حذف کنید "
        "(در JSON، درون رشته \\u0000 بنویسید).",
    },
    "line_too_long": {
        "en": "Line {line} is {size:plural:byte|bytes} long, over the {limit}-byte limit for one record.",
        "fa": "سطر {line} ‏{size} بایت است و از سقف {limit} بایت برای یک رکورد بیشتر است.",
    },
    "ragged_row": {
        "en": "Line {line}: {actual:plural:field|fields}, but the header has {expected}.",
        "fa": "سطر {line}: ‏{actual} فیلد دارد، اما سرستون {expected} فیلد دارد.",
    },
    "bad_quote": {
        "en": "Line {line}: unbalanced or misplaced quote ({detail}); the record spans lines "
        "{line}-{end_line}.",
        "fa": "سطر {line}: گیومهٔ ناجور یا نابه‌جا ({detail})؛ رکورد سطرهای {line} تا {end_line} را در بر دارد.",
    },
    "json_structure": {
        "en": "Line {line}, column {column}: the JSON array breaks here ({detail}); records after "
        "this point could not be read.",
        "fa": "سطر {line}، ستون {column}: آرایهٔ JSON در این‌جا می‌شکند ({detail})؛ رکوردهای پس از آن خوانده نشدند.",
    },
    # --- task checks ---
    "missing_value": {
        "en": "Line {line}: '{column}' is empty, and {task} needs a value there.",
        "fa": "سطر {line}: '{column}' خالی است، اما {task} در آن‌جا مقدار لازم دارد.",
    },
    "empty_text": {
        "en": "Line {line}: '{column}' is an empty text.",
        "fa": "سطر {line}: متن '{column}' خالی است.",
    },
    "not_numeric": {
        "en": "Line {line}: '{column}' is {value}, not a number; {task} needs a numeric target.",
        "fa": "سطر {line}: '{column}' برابر {value} است و عدد نیست؛ {task} هدف عددی لازم دارد.",
    },
    "too_few_classes": {
        "en": "'{column}' has {count} distinct value(s); classification needs at least 2.",
        "fa": "'{column}' تنها {count} مقدار متمایز دارد؛ دسته‌بندی دست‌کم 2 مقدار لازم دارد.",
    },
    "wrong_column_type": {
        "en": "'{column}' is of type {type}; {task} needs {expected} for '{key}'.",
        "fa": "'{column}' از نوع {type} است؛ {task} برای '{key}' به {expected} نیاز دارد.",
    },
    # --- warnings ---
    "mixed_types": {
        "en": "Field '{field}' mixes types: {kinds}.",
        "fa": "فیلد '{field}' نوع‌های گوناگون دارد: {kinds}.",
    },
    # issue 18, item 8: a value that breaks its column's type, located
    "type_breaks": {
        "en": "Field '{field}' is {type}, but {count:plural:value is|values are} not ({kinds}): "
        "{shown:word:line|lines} {lines}.",
        "fa": "فیلد '{field}' از نوع {type} است، اما {count} مقدار از این نوع نیست ({kinds}): "
        "سطر {shown:word:|}{lines}.",
    },
    "missing_values": {
        "en": "Field '{field}' is null or missing in {count} of {rows:plural:row|rows}.",
        "fa": "فیلد '{field}' در {count} سطر از {rows} سطر تهی یا غایب است.",
    },
    "null_only": {
        "en": "Field '{field}' is null or missing in every row.",
        "fa": "فیلد '{field}' در همهٔ سطرها تهی یا غایب است.",
    },
    "empty_strings": {
        "en": "Field '{field}' has {count:plural:empty string|empty strings}.",
        "fa": "فیلد '{field}' ‏{count} رشتهٔ خالی دارد.",
    },
    # issue 14, item 6: CSV values with leading zeros are text
    "leading_zeros": {
        "en": "Field '{field}' has {count} value(s) with a leading zero (like 08123 or 002): "
              "it is kept as text, not read as numbers, so no zero is lost.",
        "fa": "فیلد '{field}' ‏{count} مقدار با صفر آغازین دارد (مانند 08123 یا 002): "
              "به‌صورت متن نگه داشته می‌شود، نه عدد، تا هیچ صفری از دست نرود.",
    },
    "duplicate_key": {
        "en": "Line {line}: a key appears more than once in the object; the last value is used.",
        "fa": "سطر {line}: یک کلید بیش از یک بار در شیء آمده است؛ آخرین مقدار به کار می‌رود.",
    },
    "duplicate_column": {
        "en": "Column '{field}' appears more than once in the header; the copy is called '{renamed}'.",
        "fa": "ستون '{field}' بیش از یک بار در سرستون آمده است؛ نسخهٔ تکراری '{renamed}' نامیده شد.",
    },
    "empty_column_name": {
        "en": "Column {index} has no name in the header; it is called '{renamed}'.",
        "fa": "ستون {index} در سرستون نام ندارد؛ '{renamed}' نامیده شد.",
    },
    "long_lines": {
        "en": "{count} line(s) are longer than {limit:plural:byte|bytes} (the first is line {line}).",
        "fa": "{count} سطر از {limit} بایت بلندترند (نخستین: سطر {line}).",
    },
    "blank_lines": {
        "en": "{count} blank line(s) were skipped (the first is line {line}).",
        "fa": "{count} سطر خالی نادیده گرفته شد (نخستین: سطر {line}).",
    },
    "non_finite_values": {
        "en": "Field '{field}' has {count:plural:NaN or infinite value|NaN or infinite values}.",
        "fa": "فیلد '{field}' ‏{count} مقدار NaN یا بی‌نهایت دارد.",
    },
    # --- the REST API ---
    "bad_request": {
        "en": "Bad request: {detail}",
        "fa": "درخواست نادرست: {detail}",
    },
    "invalid_request": {
        "en": "Invalid request body at '{field}': {detail}. GET {base}openapi.json describes every field.",
        "fa": "بدنهٔ درخواست در '{field}' نامعتبر است: {detail}. ‏GET {base}openapi.json همهٔ فیلدها را شرح می‌دهد.",
    },
    "invalid_query": {
        "en": "Invalid query parameter '{name}': {detail}",
        "fa": "پارامتر پرس‌وجوی '{name}' نامعتبر است: {detail}",
    },
    "not_authenticated": {
        "en": "Not signed in, or the token is wrong: send 'Authorization: token <token>' (or sign in and send the _xsrf cookie value with POST, PUT and DELETE).",
        "fa": "وارد نشده‌اید یا توکن نادرست است: 'Authorization: token <token>' بفرستید (یا وارد شوید و مقدار کوکی _xsrf را با POST، PUT و DELETE بفرستید).",
    },
    "forbidden": {
        "en": "Not allowed to {action} {resource}. Ask the server's administrator for access.",
        "fa": "اجازهٔ {action} روی {resource} را ندارید. از مدیر سرور دسترسی بخواهید.",
    },
    "route_not_found": {
        "en": "No such endpoint: {method} {path}. GET {base}openapi.json lists them all.",
        "fa": "چنین نقطهٔ پایانی وجود ندارد: {method} {path}. ‏GET {base}openapi.json همه را فهرست می‌کند.",
    },
    "method_not_allowed": {
        "en": "{method} is not allowed on {path}; allowed: {allowed}.",
        "fa": "{method} روی {path} مجاز نیست؛ مجازها: {allowed}.",
    },
    "internal_error": {
        "en": "Internal error ({kind}). This is a bug in trainlab; the server log has the traceback (reference {ref}).",
        "fa": "خطای داخلی ({kind}). این یک اشکال در trainlab است؛ ردِ خطا در گزارش سرور هست (مرجع {ref}).",
    },
    "upload_not_found": {
        "en": "No upload with id '{id}' (it finished, was cancelled or expired). Start one with POST datasets/uploads.",
        "fa": "بارگذاری‌ای با شناسهٔ '{id}' نیست (تمام، لغو یا منقضی شده). با POST datasets/uploads یکی را آغاز کنید.",
    },
    "upload_offset_mismatch": {
        "en": "The upload '{id}' has {offset} bytes; this part starts at byte {start}. Send the part that starts at byte {offset}.",
        "fa": "بارگذاری '{id}' ‏{offset} بایت دارد؛ این بخش از بایت {start} آغاز می‌شود. بخشی را بفرستید که از بایت {offset} آغاز می‌شود.",
    },
    "upload_size_mismatch": {
        "en": "The upload '{id}' was announced as {expected:plural:byte|bytes} but {detail}.",
        "fa": "بارگذاری '{id}' با اندازهٔ {expected} بایت اعلام شده بود اما {detail}.",
    },
    "upload_checksum_mismatch": {
        "en": "The upload '{id}' arrived with sha256 {actual}, not the announced {expected}; the file was not kept. Upload it again.",
        "fa": "بارگذاری '{id}' با sha256 برابر {actual} رسید، نه {expected} اعلام‌شده؛ فایل نگه داشته نشد. دوباره بارگذاری کنید.",
    },
    "bad_content_range": {
        "en": "Bad Content-Range header '{value}': use 'bytes START-END/TOTAL' with END < TOTAL and a body of END-START+1 bytes.",
        "fa": "سرآیند Content-Range نادرست است ('{value}'): 'bytes START-END/TOTAL' با END < TOTAL و بدنه‌ای به طول END-START+1 بایت بفرستید.",
    },
    "path_outside_root": {
        "en": "'{path}' is outside the server's root directory; give a path relative to it, without '..'.",
        "fa": "'{path}' بیرون از پوشهٔ ریشهٔ سرور است؛ مسیری نسبت به آن و بدون '..' بدهید.",
    },
    "format_not_allowed": {
        "en": "The format '{fmt}' is not allowed on this server; allowed: {allowed}.",
        "fa": "قالب '{fmt}' روی این سرور مجاز نیست؛ مجازها: {allowed}.",
    },
    # --- issue 14, item 2.7: predict checks each record on its own ---
    "missing_features": {
        "en": "Record {index} lacks the field(s) {fields}. This model reads: {expected}; give each of them in every record (null for a missing value).",
        "fa": "رکورد {index} فیلد(های) {fields} را ندارد. این مدل این‌ها را می‌خواند: {expected}؛ همه را در هر رکورد بدهید (برای مقدار ناموجود null).",
    },
    "unknown_fields": {
        "en": "Record {index} has field(s) this model does not know: {fields}. It reads: {expected}; leave the others out.",
        "fa": "رکورد {index} فیلد(هایی) دارد که این مدل نمی‌شناسد: {fields}. مدل این‌ها را می‌خواند: {expected}؛ بقیه را ندهید.",
    },
    "wrong_value_type": {
        "en": "Record {index}, field '{field}': {value} is not {expected}, which this model was trained on.",
        "fa": "رکورد {index}، فیلد '{field}': {value} {expected} نیست، در حالی که مدل با آن آموزش دیده است.",
    },
    # --- issue 14, item 2.10: a dataset that jobs still use is not deleted ---
    "dataset_in_use": {
        "en": "Dataset '{id}' is used by experiments or jobs that may still run or resume: {jobs}. Stop those experiments or delete those jobs first, or delete the dataset anyway with force=True (REST: ?force=true); they then cannot resume.",
        "fa": "مجموعه‌دادهٔ '{id}' را آزمایش‌ها یا کارهایی به کار می‌برند که هنوز ممکن است اجرا یا ازسرگرفته شوند: {jobs}. نخست آن آزمایش‌ها را متوقف یا آن کارها را حذف کنید، یا مجموعه‌داده را با force=True (در REST: ‎?force=true) به‌هرحال حذف کنید؛ آن کارها دیگر ازسرگرفته نمی‌شوند.",
    },
    # --- issue 14, item 2.3: submit checks the device, column roles and architecture ---
    "unknown_column_role": {
        "en": "The column mapping has a key '{role}' that task '{task}' does not use. Use only: {roles}.",
        "fa": "نگاشت ستون‌ها کلید '{role}' را دارد که وظیفهٔ '{task}' به کار نمی‌برد. فقط این‌ها را به کار ببرید: {roles}.",
    },
    "unknown_arch_key": {
        "en": "arch has a setting '{key}' that the {kind} model does not take. Settings it takes: {known}.",
        "fa": "arch تنظیم '{key}' را دارد که مدل {kind} نمی‌پذیرد. تنظیم‌هایی که می‌پذیرد: {known}.",
    },
    "arch_out_of_range": {
        "en": "arch['{key}'] = {value} is out of range: {expected}.",
        "fa": "arch['{key}'] = {value} خارج از بازه است: {expected}.",
    },
    "arch_not_supported": {
        "en": "arch settings apply to the built-in models only, not to the {kind} task; leave arch out.",
        "fa": "تنظیم‌های arch فقط برای مدل‌های داخلی است، نه وظیفهٔ {kind}؛ arch را ندهید.",
    },
    "model_too_large": {
        "en": "The model would have {params} parameters: its weights, gradients and optimizer state alone need {need} GiB, and {device} has {free} GiB free. Choose a smaller arch (fewer layers, a smaller width) or another device.",
        "fa": "مدل {params} پارامتر خواهد داشت: وزن‌ها، گرادیان‌ها و وضعیت بهینه‌ساز به‌تنهایی {need} گیگابایت می‌خواهند و {device} فقط {free} گیگابایت آزاد دارد. arch کوچک‌تری (لایه‌های کمتر، پهنای کمتر) یا دستگاه دیگری برگزینید.",
    },
    "model_not_ready": {
        "en": "Job '{id}' has no saved model yet (status: {state}). A model is saved when a job completes or stops after its first evaluation.",
        "fa": "کار '{id}' هنوز مدل ذخیره‌شده‌ای ندارد (وضعیت: {state}). مدل وقتی ذخیره می‌شود که کار تمام شود یا پس از نخستین ارزیابی متوقف شود.",
    },
    # -- issue 14, section 2 (items 1, 2, 8, 13): REST bodies and streams -----------------------
    "json_too_deep": {
        "en": "The request body is nested deeper than {limit:plural:level|levels} (arrays and objects inside each other). Flatten it.",
        "fa": "بدنهٔ درخواست بیش از {limit} سطح تودرتو است (آرایه‌ها و شیءها درون هم). آن را ساده‌تر کنید.",
    },
    "invalid_unicode": {
        "en": "The request body has a lone surrogate ({char}) at '{field}', which is not text in any Unicode encoding. Send valid UTF-8.",
        "fa": "بدنهٔ درخواست در '{field}' یک نیمه‌جفت تنها ({char}) دارد که در هیچ رمزگذاری یونیکد متن نیست. UTF-8 معتبر بفرستید.",
    },
    "input_unreadable": {
        "en": "Bad request: the server could not read this input ({kind}). The log has the details (reference {ref}).",
        "fa": "درخواست نادرست: سرور این ورودی را نتوانست بخواند ({kind}). جزئیات در گزارش سرور است (مرجع {ref}).",
    },
    # --- issue 14, REST items 4, 5, 6, 11 (hidden files, model executor, upload races, wide data) ---
    "path_hidden": {
        "en": "'{path}' is a hidden file or lies in a hidden folder, and this server does not serve hidden files. "
        "Import a visible copy, or start the server with --ContentsManager.allow_hidden=True.",
        "fa": "'{path}' فایلی پنهان است یا در پوشه‌ای پنهان قرار دارد و این سرور فایل‌های پنهان را ارائه نمی‌کند. "
        "نسخه‌ای آشکار را وارد کنید یا سرور را با ‎--ContentsManager.allow_hidden=True اجرا کنید.",
    },
    "model_busy": {
        "en": "The server is busy with {busy} predict request(s) (model_threads={threads}, model_queue={queue}). "
        "Try again in a moment, or send fewer prompts per request.",
        "fa": "سرور مشغول {busy} درخواست پیش‌بینی است (model_threads={threads}، model_queue={queue}). "
        "کمی بعد دوباره تلاش کنید یا در هر درخواست پرامپت کمتری بفرستید.",
    },
    "upload_busy": {
        "en": "A part of the upload '{id}' is being received or completed right now. "
        "Wait for it to finish, then delete the upload (or the dataset it became).",
        "fa": "بخشی از بارگذاری '{id}' هم‌اکنون در حال دریافت یا تکمیل است. "
        "صبر کنید تا تمام شود، سپس بارگذاری (یا مجموعه‌داده‌ای که از آن ساخته شد) را حذف کنید.",
    },
    "too_many_columns": {
        "en": "'{name}' has {count:plural:column|columns} (or distinct keys); the limit is {limit:,}. "
        "Keep the fields you train on, or nest the rest in one field (a list or an object).",
        "fa": "'{name}' ‏{count:,} ستون (یا کلید متمایز) دارد؛ سقف {limit:,} است. "
        "فیلدهایی را که با آن‌ها آموزش می‌دهید نگه دارید یا بقیه را در یک فیلد (فهرست یا شیء) بگذارید.",
    },
    "token_budget": {
        "en": "{prompts} prompts x {max_new_tokens} new tokens is over this server's budget of {budget} tokens per request. "
        "Send at most {most} prompts per request (predict_token_budget raises the budget).",
        "fa": "{prompts} پرامپت × {max_new_tokens} توکن تازه از بودجهٔ {budget} توکن در هر درخواست این سرور بیشتر است. "
        "در هر درخواست حداکثر {most} پرامپت بفرستید (predict_token_budget بودجه را بالا می‌برد).",
    },
    # --- issue 21, "Seen in a notebook": plots ---
    "matplotlib_missing": {
        "en": "{what} draws with matplotlib, which is not installed. Install it with "
        "`pip install matplotlib` and run the cell again.",
        "fa": "{what} با matplotlib رسم می‌کند که نصب نیست. آن را با ‎`pip install matplotlib`‎ "
        "نصب کنید و سلول را دوباره اجرا کنید.",
    },
    # --- issue 21, helper A: DataFrames in and out, split, fit shortcuts ---
    "unsupported_source": {
        "en": "Cannot add a {got}: ws.datasets.add takes a file path, a binary file object, "
        "a pandas DataFrame, a pyarrow Table or a polars DataFrame.",
        "fa": "نمی‌توان یک {got} را افزود: ws.datasets.add یک مسیر فایل، یک شیء فایل دودویی، "
        "یک DataFrame پانداس، یک Table از pyarrow یا یک DataFrame از polars می‌پذیرد.",
    },
    "frame_column_names": {
        "en": "The DataFrame's column names must be distinct strings: {detail}. Rename the columns "
        "(df.columns = [...]) and add it again.",
        "fa": "نام ستون‌های DataFrame باید رشته‌هایی متمایز باشند: {detail}. ستون‌ها را تغییر نام دهید "
        "(df.columns = [...]) و دوباره بیفزایید.",
    },
    "frame_unsupported_dtype": {
        "en": "Column '{column}' has dtype {dtype}, which a dataset cannot store faithfully. "
        "Convert it first, for example df['{column}'].astype(str).",
        "fa": "ستون '{column}' از نوع {dtype} است که مجموعه‌داده نمی‌تواند آن را دقیق نگه دارد. "
        "نخست آن را تبدیل کنید، مثلاً df['{column}'].astype(str).",
    },
    "frame_unsupported_value": {
        "en": "Column '{column}' holds a value of type {type} ({rows}), which JSON cannot store. "
        "Convert the column to numbers, text, booleans, datetimes or lists of them.",
        "fa": "ستون '{column}' مقداری از نوع {type} دارد ({rows}) که JSON نمی‌تواند آن را نگه دارد. "
        "ستون را به عدد، متن، بولی، تاریخ یا فهرستی از این‌ها تبدیل کنید.",
    },
    "frame_not_finite": {
        "en": "Column '{column}' holds {value}, which JSON cannot store. Replace it first, for example "
        "df = df.replace([np.inf, -np.inf], np.nan).",
        "fa": "ستون '{column}' مقدار {value} دارد که JSON نمی‌تواند آن را نگه دارد. نخست آن را جایگزین کنید، "
        "مثلاً df = df.replace([np.inf, -np.inf], np.nan).",
    },
    "rows_not_readable": {
        "en": "'{name}' has {count:plural:invalid row|invalid rows} without typed values to return, so "
        "valid_only=False cannot be honoured. Fix the lines its report lists (ds.report), or take "
        "the {rows:plural:valid row|valid rows} with valid_only=True.",
        "fa": "'{name}' ‏{count:plural:ردیف نامعتبر|ردیف نامعتبر} دارد که مقدار نوع‌دار ندارند، پس valid_only=False ممکن نیست. "
        "خط‌هایی را که گزارش آن (ds.report) نام می‌برد درست کنید یا {rows:plural:ردیف معتبر|ردیف معتبر} را با "
        "valid_only=True بگیرید.",
    },
    "split_test_size": {
        "en": "test_size={value} is not a fraction strictly between 0 and 1. Pass, for example, "
        "test_size=0.2 to hold out a fifth of the rows.",
        "fa": "test_size={value} کسری اکیداً بین 0 و 1 نیست. برای نمونه test_size=0.2 را بدهید تا یک‌پنجم "
        "ردیف‌ها کنار گذاشته شود.",
    },
    "split_empty_side": {
        "en": "test_size={value} of {rows} valid rows would leave the {side} side empty. Choose a "
        "test_size that puts at least one row on each side.",
        "fa": "test_size={value} از {rows} ردیف معتبر بخش {side} را خالی می‌گذارد. test_size را طوری "
        "انتخاب کنید که هر بخش دست‌کم یک ردیف داشته باشد.",
    },
    "shortcut_conflict": {
        "en": "{key}='{value}' contradicts columns={{'{role}': '{given}'}}. Name the column once, "
        "either as {key}= or in columns=.",
        "fa": "{key}='{value}' با columns={{'{role}': '{given}'}} ناسازگار است. ستون را یک بار نام ببرید، "
        "یا با {key}= یا در columns=.",
    },
    # --- issue 21 review fixes (helper F) ---
    "val_no_repeated_class": {
        "en": "Too many classes for the rows: '{column}' in dataset '{name}' has {classes:plural:distinct value|distinct values} "
        "in {rows:plural:usable row|usable rows} and none occurs twice, so no row can be held out for validation "
        "without taking away a class's only example. Check that '{column}' is the column to predict (a number to "
        "predict is a regression target: task='tabular-regression'), or pass validation=... .",
        "fa": "کلاس‌ها برای این تعداد سطر زیادند: '{column}' در مجموعه‌دادهٔ '{name}' {classes} مقدار متمایز در "
        "{rows} سطر قابل‌استفاده دارد و هیچ‌کدام دو بار نیامده، پس هیچ سطری را نمی‌توان برای اعتبارسنجی کنار گذاشت "
        "بی‌آنکه تنها نمونهٔ یک کلاس از دست برود. بررسی کنید که '{column}' همان ستونِ پیش‌بینی باشد (عددی که پیش‌بینی "
        "می‌شود هدف رگرسیون است: task='tabular-regression')، یا validation=... بدهید.",
    },
    "shortcut_two_columns": {
        "en": "label='{label}' and target='{target}' name different columns, but both name the one column to "
        "predict. Pass only one of them.",
        "fa": "label='{label}' و target='{target}' دو ستون متفاوت را نام می‌برند، اما هر دو همان یک ستونِ "
        "پیش‌بینی را نام می‌برند. تنها یکی از آن‌ها را بدهید.",
    },
    "frame_empty": {
        "en": "The DataFrame has no rows (only {columns:plural:column|columns}), so there is nothing to store. "
        "Add a frame with at least one row.",
        "fa": "این DataFrame هیچ سطری ندارد (تنها {columns} ستون)، پس چیزی برای ذخیره نیست. "
        "DataFrame ای با دست‌کم یک سطر بیفزایید.",
    },
    "eval_custom_model": {
        "en": "Job '{id}' trained your own model (an nn.Module); trainlab cannot evaluate a custom model from "
        "data, because only your code knows how the module reads rows. Score it in your own code, or pass "
        "val=... and metrics={{...}} to trainlab.fit to measure it during training.",
        "fa": "کار '{id}' مدل خود شما (یک nn.Module) را آموزش داده است؛ trainlab نمی‌تواند مدل سفارشی را از روی "
        "داده ارزیابی کند، چون تنها کد شما می‌داند این ماژول سطرها را چگونه می‌خواند. آن را در کد خودتان "
        "بسنجید، یا val=... و metrics={{...}} را به trainlab.fit بدهید تا هنگام آموزش سنجیده شود.",
    },
    # --- issue 21, evaluation (model.evaluate, trainlab.evaluate, POST jobs/{id}/evaluate) ---
    "eval_missing_columns": {
        "en": "'{name}' lacks the column(s) {fields} this model needs to be evaluated. It reads: {expected}; "
        "evaluate on data with these columns (the label or target included).",
        "fa": "'{name}' ستون(های) {fields} را که برای ارزیابی این مدل لازم است ندارد. مدل این‌ها را می‌خواند: {expected}؛ "
        "روی داده‌ای با این ستون‌ها (همراه با برچسب یا هدف) ارزیابی کنید.",
    },
    "eval_bad_input": {
        "en": "evaluate() takes a Dataset, a dataset id, a path, or a DataFrame; got {got}.",
        "fa": "evaluate() یک Dataset، شناسهٔ مجموعه‌داده، مسیر فایل یا DataFrame می‌گیرد؛ {got} داده شد.",
    },
    "eval_no_model": {
        "en": "evaluate() takes a job id, a Job, a TrainedModel or a TrainResult; got {got}.",
        "fa": "evaluate() شناسهٔ کار، Job، TrainedModel یا TrainResult می‌گیرد؛ {got} داده شد.",
    },
    "eval_no_job": {
        "en": "The model at '{path}' is not a job's model, so there is no job to record the evaluation on. "
        "Use model.evaluate(data) to evaluate it without recording.",
        "fa": "مدل در '{path}' مدل یک کار نیست، پس کاری برای ثبت ارزیابی وجود ندارد. "
        "برای ارزیابی بدون ثبت از model.evaluate(data) استفاده کنید.",
    },
    # --- issue 15: pretrained models (training/hf/hub.py) ---
    "model_not_available": {
        "en": "Base model '{name}' is not available: {reason}. Looked in: {looked}. Pass a local folder "
        "written by save_pretrained, or download the model once where the Hub is reachable (it is then "
        "found in the Hugging Face cache, HF_HOME, without network).",
        "fa": "مدل پایهٔ '{name}' در دسترس نیست: {reason}. جایی که جست‌وجو شد: {looked}. پوشه‌ای محلی را که "
        "با save_pretrained نوشته شده بدهید، یا مدل را یک بار جایی که Hub در دسترس است بارگیری کنید (پس از آن "
        "بی‌نیاز از شبکه در حافظهٔ نهان Hugging Face، یعنی HF_HOME، پیدا می‌شود).",
    },
    # --- issue 15: parquet (the fourth format) and ws.datasets.import_hf ---
    "parquet_bad_magic": {
        "en": "'{name}' is named as Parquet but is not a Parquet file: it starts with bytes {found}, "
        "not 'PAR1'. Export it again as Parquet, or give it the extension of its real format.",
        "fa": "'{name}' نام Parquet دارد اما فایل Parquet نیست: با بایت‌های {found} شروع می‌شود، نه 'PAR1'. "
        "آن را دوباره به Parquet صادر کنید یا پسوند قالب واقعی‌اش را به آن بدهید.",
    },
    "parquet_bad_footer": {
        "en": "'{name}' ({size:plural:byte|bytes}) is not a whole Parquet file: its footer cannot be read ({detail}). "
        "It was probably cut short; copy or upload the whole file again.",
        "fa": "'{name}' ‏({size} بایت) فایل Parquet کاملی نیست: پانویس آن خوانده نمی‌شود ({detail}). "
        "احتمالاً ناقص مانده است؛ کل فایل را دوباره کپی یا بارگذاری کنید.",
    },
    "parquet_bad_schema": {
        "en": "The schema of Parquet file '{name}' cannot be read as columns ({detail}). "
        "Write it again with unique, plain columns.",
        "fa": "طرح (schema) فایل Parquet ‏'{name}' به صورت ستون خوانده نمی‌شود ({detail}). "
        "آن را دوباره با ستون‌های ساده و بی‌تکرار بنویسید.",
    },
    "parquet_bad_data": {
        "en": "Parquet file '{name}' is damaged after its first {rows:plural:row|rows}: a column chunk does not "
        "decode ({detail}). Write or copy the file again.",
        "fa": "فایل Parquet ‏'{name}' پس از {rows} ردیف نخست خراب است: یک تکهٔ ستون رمزگشایی نمی‌شود ({detail}). "
        "فایل را دوباره بنویسید یا کپی کنید.",
    },
    "hf_not_installed": {
        "en": "import_hf needs the Hugging Face 'datasets' package. Install it with "
        "pip install 'trainlab[hf]'.",
        "fa": "import_hf به بستهٔ 'datasets' از Hugging Face نیاز دارد. آن را با "
        "pip install 'trainlab[hf]' نصب کنید.",
    },
    "hf_dataset_not_found": {
        "en": "No Hugging Face dataset '{name}' was found. Looked at: {looked}. Pass a folder written "
        "by save_to_disk, or the name of a dataset in the local cache (nothing is downloaded).",
        "fa": "مجموعه‌دادهٔ Hugging Face با نام '{name}' پیدا نشد. جاهایی که نگاه شد: {looked}. پوشه‌ای را که "
        "save_to_disk نوشته یا نام مجموعه‌داده‌ای در حافظهٔ محلی (cache) بدهید (چیزی دانلود نمی‌شود).",
    },
    "hf_split_required": {
        "en": "'{name}' has several splits: {splits}. Choose one with split=, e.g. split='{first}'.",
        "fa": "'{name}' چند بخش (split) دارد: {splits}. یکی را با split= انتخاب کنید، مثلاً split='{first}'.",
    },
    "hf_split_unknown": {
        "en": "'{name}' has no split '{split}'. Its splits: {splits}.",
        "fa": "'{name}' بخشی (split) به نام '{split}' ندارد. بخش‌های آن: {splits}.",
    },
    # --- issue 19, experiments (H4): settings refused before any job exists, notes, conflicts ---
    "experiment_space_empty": {
        "en": "The search space is empty: give space={'lr': trainlab.loguniform(1e-4, 1e-2), 'batch_size': [16, 32]} (a parameter name -> a list of choices or a range).",
        "fa": "فضای جست‌وجو خالی است: space={'lr': trainlab.loguniform(1e-4, 1e-2), 'batch_size': [16, 32]} را بدهید (نام یک پارامتر -> فهرستی از گزینه‌ها یا یک بازه).",
    },
    "experiment_param_unknown": {
        "en": "Unknown parameter '{name}' in the search space.{hint} Parameters: {known}.",
        "fa": "پارامتر ناشناختهٔ '{name}' در فضای جست‌وجو.{hint} پارامترها: {known}.",
    },
    "experiment_param_twice": {
        "en": "Parameter '{name}' is both searched (space) and fixed (params); keep it in one of them.",
        "fa": "پارامتر '{name}' هم جست‌وجو می‌شود (space) و هم ثابت است (params)؛ آن را فقط در یکی نگه دارید.",
    },
    "experiment_value_kind": {
        "en": "Search space '{name}' = {value}: give a list of choices, trainlab.uniform(low, high), trainlab.loguniform(low, high) or trainlab.intrange(low, high) (in JSON: [..], {{'uniform': [low, high]}}, {{'loguniform': [low, high]}}, {{'int': [low, high]}}).",
        "fa": "فضای جست‌وجوی '{name}' = {value}: فهرستی از گزینه‌ها، trainlab.uniform(low, high)، trainlab.loguniform(low, high) یا trainlab.intrange(low, high) بدهید (در JSON: [..]، {{'uniform': [low, high]}}، {{'loguniform': [low, high]}}، {{'int': [low, high]}}).",
    },
    "experiment_range_invalid": {
        "en": "Search range '{name}' = {value} is contradictory: {why}.",
        "fa": "بازهٔ جست‌وجوی '{name}' = {value} متناقض است: {why}.",
    },
    "experiment_choices_empty": {
        "en": "Search space '{name}' is an empty list: give at least one choice.",
        "fa": "فضای جست‌وجوی '{name}' فهرستی خالی است: دست‌کم یک گزینه بدهید.",
    },
    "experiment_grid_lists": {
        "en": "strategy='grid' needs a list of choices for every parameter; '{name}' is a range. Give a list, or use strategy='tpe' or 'random'.",
        "fa": "strategy='grid' برای هر پارامتر فهرستی از گزینه‌ها لازم دارد؛ '{name}' یک بازه است. فهرست بدهید، یا strategy='tpe' یا 'random' را به کار ببرید.",
    },
    "experiment_value_out_of_range": {
        "en": "The search space reaches a value training refuses at '{name}': {detail} Narrow the range or the choices.",
        "fa": "فضای جست‌وجو به مقداری می‌رسد که آموزش در '{name}' نمی‌پذیرد: {detail} بازه یا گزینه‌ها را تنگ‌تر کنید.",
    },
    "experiment_trials_invalid": {
        "en": "trials = {value}: give a whole number >= 1.",
        "fa": "trials = {value}: یک عدد صحیح >= 1 بدهید.",
    },
    "experiment_concurrency_invalid": {
        "en": "max_concurrent = {value}: give a whole number >= 1, or None for the scheduler's slots.",
        "fa": "max_concurrent = {value}: یک عدد صحیح >= 1 بدهید، یا None برای ظرفیت زمان‌بند.",
    },
    "experiment_choice_invalid": {
        "en": "{field} = {value} is not one of: {allowed}.",
        "fa": "{field} = {value} یکی از این‌ها نیست: {allowed}.",
    },
    "experiment_name_invalid": {
        "en": "An experiment needs a name (a non-empty string).",
        "fa": "آزمایش به یک نام نیاز دارد (رشته‌ای ناتهی).",
    },
    "experiment_metric_unknown": {
        "en": "Metric '{metric}' is not one {task} reports on validation; it reports: {known}.",
        "fa": "معیار '{metric}' از معیارهایی نیست که {task} در اعتبارسنجی گزارش می‌دهد؛ این‌ها را گزارش می‌دهد: {known}.",
    },
    "experiment_compare_empty": {
        "en": "compare() needs at least one job id.",
        "fa": "compare() دست‌کم یک شناسهٔ کار لازم دارد.",
    },
    "experiment_not_found": {
        "en": "No experiment with id '{id}' in this workspace. ws.experiments.list() shows the ones there are.",
        "fa": "آزمایشی با شناسهٔ '{id}' در این فضای کار نیست. ws.experiments.list() موجودها را نشان می‌دهد.",
    },
    "experiment_not_active": {
        "en": "Experiment '{id}' is already {state}; there is nothing to stop.",
        "fa": "آزمایش '{id}' از پیش {state} است؛ چیزی برای متوقف کردن نیست.",
    },
    "experiment_running": {
        "en": "Experiment '{id}' still runs trials; stop it first (ws.experiments.stop('{id}')), then delete it.",
        "fa": "آزمایش '{id}' هنوز آزمون‌هایی را اجرا می‌کند؛ نخست آن را متوقف کنید (ws.experiments.stop('{id}'))، سپس حذفش کنید.",
    },
    "experiment_no_best": {
        "en": "Experiment '{id}' has no completed trial with a value yet.",
        "fa": "آزمایش '{id}' هنوز هیچ آزمون کامل‌شده‌ای با مقدار ندارد.",
    },
    "experiment_wait_timeout": {
        "en": "Experiment '{id}' still has trials running after {seconds} s.",
        "fa": "آزمایش '{id}' پس از {seconds} ثانیه هنوز آزمون‌های در حال اجرا دارد.",
    },
    "experiment_no_scheduler": {
        "en": "Experiment '{id}' is recorded, but no scheduler is running for this workspace, so no trial starts. Start one: open JupyterLab with the trainlab extension, or run `python -m trainlab.jobs.scheduler {path}`.",
        "fa": "آزمایش '{id}' ثبت شد، اما هیچ زمان‌بندی برای این فضای کار اجرا نمی‌شود، پس هیچ آزمونی شروع نمی‌شود. یکی را راه بیندازید: JupyterLab را با افزونهٔ trainlab باز کنید، یا `python -m trainlab.jobs.scheduler {path}` را اجرا کنید.",
    },
    "note_pruned": {
        "en": "Pruned by the experiment's {pruner} pruner at step {step}: {metric} = {value}, worse than earlier trials at that step.",
        "fa": "در گام {step} با هرس‌کنندهٔ {pruner} آزمایش هرس شد: {metric} = {value}، بدتر از آزمون‌های پیشین در همان گام.",
    },
    # --- issue 15: fine-tuning pretrained models (training/hf/, helper H1) ---
    "hf_task_unsupported": {
        "en": "base_model works with the text tasks ({tasks}); task '{task}' trains its own model. "
        "Leave base_model out, or choose one of those tasks.",
        "fa": "base_model فقط با وظیفه‌های متنی ({tasks}) کار می‌کند؛ وظیفهٔ '{task}' مدل خودش را آموزش می‌دهد. "
        "base_model را ندهید، یا یکی از آن وظیفه‌ها را انتخاب کنید.",
    },
    "hf_extra_missing": {
        "en": "Fine-tuning a pretrained model needs the hf extra ({detail}). Install it with "
        "pip install 'trainlab[hf]'.",
        "fa": "آموزش مدل از پیش‌آموخته به افزونهٔ hf نیاز دارد ({detail}). آن را با "
        "pip install 'trainlab[hf]' نصب کنید.",
    },
    "hf_wrong_model": {
        "en": "Base model '{name}' (a {model_type} model) has no head for {task}. Choose a model whose "
        "architecture supports {task}.",
        "fa": "مدل پایهٔ '{name}' (یک مدل {model_type}) برای {task} سر مناسبی ندارد. مدلی انتخاب کنید که "
        "معماری‌اش از {task} پشتیبانی کند.",
    },
    "hf_slow_tokenizer": {
        "en": "Base model '{name}' has only a slow (Python) tokenizer; trainlab tokenises through a fast one "
        "(tokenizer.json). Convert it once with transformers (AutoTokenizer.from_pretrained(..., "
        "use_fast=True).save_pretrained(folder)) and use that folder.",
        "fa": "مدل پایهٔ '{name}' فقط توکن‌ساز کند (پایتونی) دارد؛ trainlab با توکن‌ساز سریع (tokenizer.json) کار "
        "می‌کند. آن را یک بار با transformers تبدیل کنید (AutoTokenizer.from_pretrained(..., "
        "use_fast=True).save_pretrained(folder)) و آن پوشه را بدهید.",
    },
    "hf_no_chat_template": {
        "en": "chat_template=True, but the tokenizer of '{name}' has no chat template. Pass "
        "chat_template=False to train on the prompt text as it is.",
        "fa": "chat_template=True داده شد، اما توکن‌ساز '{name}' قالب گفت‌وگو ندارد. برای آموزش روی متن "
        "خود پرسش، chat_template=False بدهید.",
    },
    "hf_no_lora_targets": {
        "en": "Could not find the layers to put LoRA on in this {model_type} model (no Linear layer "
        "inside an attention block). Name them with lora_targets=[...].",
        "fa": "لایه‌هایی برای LoRA در این مدل {model_type} پیدا نشد (هیچ لایهٔ Linear درون بلوک attention "
        "نیست). نام آن‌ها را با lora_targets=[...] بدهید.",
    },
    "hf_merge_without_lora": {
        "en": "merge=True merges a LoRA adapter into the base model, but this run fine-tunes the whole "
        "model. Pass lora=True, or leave merge out.",
        "fa": "merge=True آداپتور LoRA را در مدل پایه ادغام می‌کند، اما این اجرا کل مدل را آموزش می‌دهد. "
        "lora=True بدهید، یا merge را ندهید.",
    },
    "hf_no_checkpointing": {
        "en": "Base model '{name}' does not support gradient checkpointing. Pass "
        "gradient_checkpointing=False.",
        "fa": "مدل پایهٔ '{name}' از gradient checkpointing پشتیبانی نمی‌کند. "
        "gradient_checkpointing=False بدهید.",
    },
    "hf_arch_unused": {
        "en": "arch= ({keys}) shapes trainlab's own models; a base_model keeps its architecture. Leave "
        "arch out, or leave base_model out to train a byte-level model of that shape.",
        "fa": "arch= ({keys}) شکل مدل‌های خود trainlab را تعیین می‌کند؛ base_model معماری خودش را دارد. "
        "arch را ندهید، یا base_model را ندهید تا مدلی بایت‌پایه با آن شکل آموزش ببیند.",
    },
    "bad_checkpoint_weights": {
        "en": "The checkpoint's weights do not fit this model (missing {missing}; unexpected "
        "{unexpected}). Resume with the same base model and LoRA settings as the run that wrote it.",
        "fa": "وزن‌های نقطهٔ بازیابی با این مدل جور نیست (کم: {missing}؛ اضافه: {unexpected}). "
        "با همان مدل پایه و تنظیمات LoRA اجرایی که آن را نوشت ادامه دهید.",
    },
    # --- issue 15, review fixes (helper F15): generate, tokenizer checks, empty predictions ---
    "bad_prompt": {
        "en": "generate() continues a text: the prompt must be a str, not {got}. Pass a text, e.g. "
        "model.generate(\"Hello\").",
        "fa": "generate() یک متن را ادامه می‌دهد: پرامپت باید یک str باشد، نه {got}. یک متن بدهید، "
        "مثلاً model.generate(\"سلام\").",
    },
    "bad_max_new_tokens": {
        "en": "max_new_tokens must be a whole number of at least 1, not {value}.",
        "fa": "max_new_tokens باید عددی صحیح و دست‌کم 1 باشد، نه {value}.",
    },
    "bad_records": {
        "en": "predict() takes a text, a record (dict), a list of them or a DataFrame, not {got}.",
        "fa": "predict() یک متن، یک رکورد (dict)، فهرستی از آن‌ها یا یک DataFrame می‌گیرد، نه {got}.",
    },
    "hf_no_tokenizer": {
        "en": "Base model '{name}' has no tokenizer in {path} (no tokenizer.json, vocab or "
        "sentencepiece file). Copy the tokenizer files of the model it came from into that folder "
        "(AutoTokenizer.from_pretrained(source).save_pretrained(folder)).",
        "fa": "مدل پایهٔ '{name}' در {path} توکن‌ساز ندارد (نه tokenizer.json، نه فایل واژگان یا "
        "sentencepiece). فایل‌های توکن‌ساز مدلی را که از آن آمده در آن پوشه کپی کنید "
        "(AutoTokenizer.from_pretrained(source).save_pretrained(folder)).",
    },
    "hf_vocab_mismatch": {
        "en": "The tokenizer of base model '{name}' has {tokens} tokens, but the model's embedding table "
        "has only {vocab} (config vocab_size): ids past it cannot be read. Use the tokenizer that was "
        "saved with this model, or resize the embeddings (model.resize_token_embeddings) and save again.",
        "fa": "توکن‌ساز مدل پایهٔ '{name}' {tokens} توکن دارد، اما جدول embedding مدل فقط {vocab} ردیف "
        "(vocab_size در config) دارد: شناسه‌های بیرون از آن خوانده نمی‌شوند. توکن‌سازی را که با همین مدل "
        "ذخیره شده به کار ببرید، یا embeddingها را بزرگ کنید (model.resize_token_embeddings) و دوباره ذخیره کنید.",
    },
    # --- issue 19 fixes (F19): experiments' notes, localized reasons, refused int ranges ---
    "experiment_turn_failed": {
        "en": "The scheduler's last turn on this experiment failed: {error}. It tries again on every turn.",
        "fa": "آخرین نوبت زمان‌بند روی این آزمایش شکست خورد: {error}. در هر نوبت دوباره تلاش می‌کند.",
    },
    "experiment_dataset_gone": {
        "en": "Stopped: the experiment's dataset '{dataset}' is gone, so no trial can run. Add the data again and create a new experiment.",
        "fa": "متوقف شد: مجموعه‌دادهٔ آزمایش '{dataset}' دیگر نیست، پس هیچ آزمونی اجرا نمی‌شود. داده را دوباره بیفزایید و آزمایش تازه‌ای بسازید.",
    },
    "experiment_range_not_int": {
        "en": "'{name}' takes whole numbers, but {value} gives fractions: use trainlab.intrange({low}, {high}) (in JSON: {{\"int\": [{low}, {high}]}}).",
        "fa": "'{name}' عدد صحیح می‌گیرد، اما {value} عدد کسری می‌دهد: trainlab.intrange({low}, {high}) را به کار ببرید (در JSON: {{\"int\": [{low}, {high}]}}).",
    },
    "experiment_hint_close": {"en": " Did you mean '{close}'?", "fa": " آیا منظورتان '{close}' بود؟"},
    "experiment_params_invalid": {
        "en": "The fixed params are refused at '{name}': {detail} Fix params=.",
        "fa": "پارامترهای ثابت در '{name}' پذیرفته نشد: {detail} params= را درست کنید.",
    },
    "experiment_params_unknown": {
        "en": "Unknown parameter '{name}' in params.{hint} Parameters: {known}.",
        "fa": "پارامتر ناشناختهٔ '{name}' در params.{hint} پارامترها: {known}.",
    },
    "experiment_params_arch": {
        "en": "params['arch'] must be a dict of architecture settings, e.g. {{\"layers\": 2}}.",
        "fa": "params['arch'] باید دیکشنری‌ای از تنظیمات معماری باشد، مثلاً {{\"layers\": 2}}.",
    },
    "experiment_choices_twice": {
        "en": "Search space '{name}' lists {value} more than once: give each choice once.",
        "fa": "فضای جست‌وجوی '{name}' مقدار {value} را بیش از یک بار آورده است: هر گزینه را یک بار بدهید.",
    },
    "experiment_job_running": {
        "en": "Experiment '{id}': its trial job '{job}' runs again (resumed); stop it, or delete without jobs=True.",
        "fa": "آزمایش '{id}': کار آزمون آن '{job}' دوباره اجرا می‌شود (ادامه داده شده)؛ آن را متوقف کنید، یا بدون jobs=True حذف کنید.",
    },
    "experiment_why_whole": {"en": "low, high and step must be whole numbers",
                             "fa": "low، high و step باید عدد صحیح باشند"},
    "experiment_why_step": {"en": "step must be 1 or more and log true or false",
                            "fa": "step باید 1 یا بیشتر و log درست یا نادرست باشد"},
    "experiment_why_finite": {"en": "low and high must be finite numbers",
                              "fa": "low و high باید عددهای متناهی باشند"},
    "experiment_why_log_step": {"en": "a log range takes step=1", "fa": "بازهٔ لگاریتمی فقط step=1 می‌گیرد"},
    "experiment_why_order": {"en": "low must be below high", "fa": "low باید کمتر از high باشد"},
    "experiment_why_log_low": {"en": "a log range needs low > 0", "fa": "بازهٔ لگاریتمی low > 0 لازم دارد"},
    # --- issue 20, Ray executor (helper B): jobs on a Ray cluster through Ray Train ---
    "ray_extra_missing": {
        "en": "The Ray executor needs the ray extra ({detail}). Install it with pip install 'trainlab[ray]', "
        "or set the executor to local.",
        "fa": "اجراکنندهٔ Ray به افزونهٔ ray نیاز دارد ({detail}). آن را با pip install 'trainlab[ray]' نصب کنید، "
        "یا اجراکننده را local بگذارید.",
    },
    "ray_unreachable": {
        "en": "No Ray cluster answers at '{address}' ({detail}). Start one (ray start --head) or fix "
        "ray_address (c.TrainlabApp.ray_address, or --ray-address of the scheduler).",
        "fa": "هیچ خوشهٔ Ray در '{address}' پاسخ نمی‌دهد ({detail}). یکی راه بیندازید (ray start --head) یا "
        "ray_address را درست کنید (c.TrainlabApp.ray_address، یا --ray-address زمان‌بند).",
    },
    "ray_no_storage": {
        "en": "The Ray executor needs storage_path: a folder every node of the cluster can reach, or an "
        "object store URL (s3://..., gs://...). Set c.TrainlabApp.storage_path or --storage-path.",
        "fa": "اجراکنندهٔ Ray به storage_path نیاز دارد: پوشه‌ای که همهٔ گره‌های خوشه به آن دسترسی دارند، یا "
        "نشانی یک انبارهٔ شیء (s3://...، gs://...). c.TrainlabApp.storage_path یا --storage-path را تنظیم کنید.",
    },
    "ray_no_result": {
        "en": "The Ray run on '{address}' ended without a result from its rank 0 worker.",
        "fa": "اجرای Ray روی '{address}' بدون نتیجه‌ای از کارگر رتبهٔ 0 پایان یافت.",
    },
    "note_ray_workers_lost": {
        "en": "The Ray run lost a worker or a node ({detail}) and max_failures ({max_failures}) allowed no "
        "more restarts; resume to continue from the last checkpoint.",
        "fa": "اجرای Ray یک کارگر یا یک گره را از دست داد ({detail}) و max_failures ({max_failures}) اجازهٔ "
        "راه‌اندازی دوباره نداد؛ برای ادامه از آخرین نقطهٔ بازیابی، آن را از سر بگیرید.",
    },
    "note_ray_restarted": {
        "en": "Ray Train restarted the run from its checkpoint at step {step} after a failure of its workers.",
        "fa": "Ray Train پس از خطای کارگرهایش، اجرا را از نقطهٔ بازیابی در گام {step} دوباره آغاز کرد.",
    },
    # --- issue 20, Ray executor review fixes: a ScalingConfig the cluster cannot satisfy ---
    "ray_no_resources": {
        "en": "The Ray cluster could not start {workers} workers of {resources} each (it has {cluster} in "
        "all). Ask for fewer workers (ray_workers, or the job's devices) or fewer CPUs per worker, run "
        "on the CPU (device='cpu') if it has no GPU, or add nodes to the cluster.",
        "fa": "خوشهٔ Ray نتوانست {workers} کارگر هر یک با {resources} را راه بیندازد (روی هم {cluster} دارد). "
        "کارگر کمتری بخواهید (ray_workers، یا devices کار) یا CPU کمتری برای هر کارگر، اگر GPU ندارد روی CPU "
        "(device='cpu') اجرا کنید، یا گره‌هایی به خوشه بیفزایید.",
    },
    # -- issue 20, several processes on one machine (devices=N) --------------------------------
    "devices_invalid": {
        "en": "devices={value} is not a number of processes: give a whole number >= 1 (devices=2) or a list of GPU indices (devices=[0, 1]).",
        "fa": "devices={value} تعداد فرایند نیست: یک عدد صحیح 1 یا بیشتر (devices=2) یا فهرستی از شماره‌های GPU (devices=[0, 1]) بدهید.",
    },
    "devices_duplicate": {
        "en": "devices={value} names a GPU more than once: give each GPU index once.",
        "fa": "devices={value} یک GPU را بیش از یک بار آورده است: هر شمارهٔ GPU را یک بار بدهید.",
    },
    "devices_one_device": {
        "en": "devices={value} needs device='cuda', 'cpu' or 'auto'; device='{device}' names one device. Pick the GPUs with devices=[...] instead.",
        "fa": "devices={value} به device='cuda'، 'cpu' یا 'auto' نیاز دارد؛ device='{device}' یک دستگاه را نام می‌برد. GPUها را به جای آن با devices=[...] انتخاب کنید.",
    },
    "devices_list_needs_gpu": {
        "en": "devices={value} lists GPU indices, but this run trains on the CPU (device='{device}'): give a count of CPU processes instead, e.g. devices=2.",
        "fa": "devices={value} شماره‌های GPU را فهرست کرده است، اما این اجرا روی CPU آموزش می‌بیند (device='{device}'): به جای آن تعداد فرایندهای CPU را بدهید، مثلاً devices=2.",
    },
    "devices_unknown_gpu": {
        "en": "GPU {index} in devices={value} does not exist here; the GPUs here are: {gpus}.",
        "fa": "GPU شمارهٔ {index} در devices={value} اینجا وجود ندارد؛ GPUهای اینجا: {gpus}.",
    },
    "devices_too_many": {
        "en": "devices={count} asks for {count} GPUs, but there are {available} here ({gpus}). Ask for at most {available}, or train on CPU processes with device='cpu'.",
        "fa": "devices={count} به {count} GPU نیاز دارد، اما اینجا {available} GPU هست ({gpus}). حداکثر {available} بخواهید، یا با device='cpu' روی فرایندهای CPU آموزش دهید.",
    },
    "devices_need_launcher": {
        "en": "devices={count} needs {count} processes, but this run has {world}. Call trainlab.fit(..., devices={count}) or ws.jobs.submit(..., devices={count}), which start them, or run under torchrun --nproc-per-node {count}.",
        "fa": "devices={count} به {count} فرایند نیاز دارد، اما این اجرا {world} فرایند دارد. trainlab.fit(..., devices={count}) یا ws.jobs.submit(..., devices={count}) را صدا بزنید که آن‌ها را راه می‌اندازند، یا زیر torchrun --nproc-per-node {count} اجرا کنید.",
    },
    "note_rank_died": {
        "en": "Process {rank} of its {world} (pid {pid}) died during training, so every process of the job was stopped. Resume to continue from the last checkpoint.",
        "fa": "فرایند {rank} از {world} فرایند آن (pid {pid}) در میانهٔ آموزش از کار افتاد، پس همهٔ فرایندهای کار متوقف شدند. برای ادامه از آخرین نقطهٔ ذخیره، آن را از سر بگیرید.",
    },
    "note_ranks_exited": {
        "en": "One of its {world} processes ended before the job did (torchrun exited with code {code}); every process was stopped. Resume to continue.",
        "fa": "یکی از {world} فرایند آن پیش از پایان کار تمام شد (torchrun با کد {code} بیرون رفت)؛ همهٔ فرایندها متوقف شدند. برای ادامه، آن را از سر بگیرید.",
    },
    "rank_died": {
        "en": "Process {rank} of {world} (pid {pid}) ended with {how} during training, so every process of the run was stopped; its job is interrupted. Resume it with trainlab.fit(..., resume_from=job_id) or ws.jobs.resume(job_id).",
        "fa": "فرایند {rank} از {world} (pid {pid}) در میانهٔ آموزش با {how} پایان یافت، پس همهٔ فرایندهای اجرا متوقف شدند؛ کار آن قطع‌شده است. با trainlab.fit(..., resume_from=job_id) یا ws.jobs.resume(job_id) آن را از سر بگیرید.",
    },
    "rank_failed": {
        "en": "Process 0 of the run failed with {type}: {detail}",
        "fa": "فرایند 0 اجرا با {type} شکست خورد: {detail}",
    },
    "devices_not_picklable": {
        "en": "{name}= cannot be sent to the {count} processes devices={count} starts: a {type} does not pickle ({detail}). Use objects that pickle (a module class, a named function, tensors), or devices=1.",
        "fa": "{name}= را نمی‌توان به {count} فرایندی که devices={count} راه می‌اندازد فرستاد: یک {type} pickle نمی‌شود ({detail}). اشیایی به کار ببرید که pickle می‌شوند (کلاسی در یک ماژول، تابعی با نام، تنسورها)، یا devices=1.",
    },
    "devices_not_importable": {
        "en": "{name}= uses {what}, defined in a notebook cell or a script's __main__, which the {count} new processes of devices={count} cannot import. Move it into a .py file beside the notebook and import it from there, or use devices=1.",
        "fa": "{name}= از {what} استفاده می‌کند که در یک سلول دفترچه یا __main__ یک اسکریپت تعریف شده و {count} فرایند تازهٔ devices={count} نمی‌توانند آن را import کنند. آن را به یک فایل .py کنار دفترچه ببرید و از آنجا import کنید، یا devices=1 را به کار ببرید.",
    },    # --- issue 17, helper A (hub): the {username} workspace template ---
    "workspace_username": {
        "en": "c.TrainlabApp.workspace_dir = {template!r} needs a user name, but {username!r} cannot be a folder name (empty, '.', '..', a slash, backslash, NUL, control or invisible character, leading or trailing space, or over 255 bytes). Set JUPYTERHUB_USER to the user's name, or give workspace_dir without {{username}}.",
        "fa": "c.TrainlabApp.workspace_dir = {template!r} به نام کاربر نیاز دارد، اما {username!r} نمی‌تواند نام یک پوشه باشد (خالی، '.'، '..'، دارای اسلش، بک‌اسلش، NUL، نویسهٔ کنترلی یا نامرئی، فاصله در آغاز یا پایان، یا بیش از 255 بایت). JUPYTERHUB_USER را نام کاربر بگذارید، یا workspace_dir را بدون {{username}} بدهید.",
    },
    # -- issue 17, helper C: GPU sets and /health (readiness) -----------------------------------
    "gpus_outside_set": {
        "en": "{source} names GPU {gpu}, which is not among the GPUs this server was given ({gpus}; from {given}). Name some of those, or leave it unset to hand out all of them.",
        "fa": "{source} به GPU {gpu} اشاره می‌کند که جزو GPUهایی نیست که به این سرور داده شده است ({gpus}؛ از {given}). یکی از همان‌ها را نام ببرید، یا آن را تنظیم نکنید تا همهٔ آن‌ها واگذار شوند.",
    },
    "device_outside_set": {
        "en": "device='{device}' names a GPU this server does not have: it was given {count} GPU(s) ({gpus}), numbered cuda:0 to cuda:{last}.",
        "fa": "device='{device}' به GPUای اشاره می‌کند که این سرور ندارد: {count} GPU به آن داده شده است ({gpus})، با شماره‌های cuda:0 تا cuda:{last}.",
    },
    "not_ready": {
        "en": "The trainlab server is not ready: {problems}.",
        "fa": "سرور trainlab آماده نیست: {problems}.",
    },
    "health_database": {
        "en": "the workspace database cannot be read ({detail})",
        "fa": "پایگاه دادهٔ فضای کار خوانده نمی‌شود ({detail})",
    },
    "health_not_writable": {
        "en": "no file can be written in the workspace {path} ({detail}); give the server write access to it, or point c.TrainlabApp.workspace_dir at a writable folder",
        "fa": "در فضای کار {path} نمی‌توان فایلی نوشت ({detail})؛ به سرور اجازهٔ نوشتن در آن را بدهید، یا c.TrainlabApp.workspace_dir را به پوشه‌ای نوشتنی ببرید",
    },
    "health_disk_low": {
        "en": "the workspace's disk has {free:plural:byte|bytes} free, below c.TrainlabApp.health_min_free_bytes ({minimum:,}); free space, or delete jobs and datasets",
        "fa": "دیسک فضای کار {free:plural:بایت|بایت} فضای آزاد دارد، کمتر از c.TrainlabApp.health_min_free_bytes ({minimum:,})؛ فضا آزاد کنید، یا کارها و داده‌ها را پاک کنید",
    },
    "health_scheduler_down": {
        "en": "the job scheduler of this server is not running (c.TrainlabApp.run_scheduler is on); the server log says why",
        "fa": "زمان‌بند کارهای این سرور اجرا نمی‌شود (c.TrainlabApp.run_scheduler روشن است)؛ گزارش سرور دلیلش را می‌گوید",
    },
    # --- issue 17, quotas and fair sharing (server/quotas.py, jobs/time_limit.py) ---
    "too_many_jobs": {
        "en": "{queued} jobs are queued already, the most this server allows (max_jobs_queued={limit}). Try again in {retry_after} s, when some have started, or stop queued jobs you no longer need.",
        "fa": "هم‌اکنون {queued} کار در صف است، بیشترین تعدادی که این سرور اجازه می‌دهد (max_jobs_queued={limit}). {retry_after} ثانیهٔ دیگر که برخی شروع شدند دوباره تلاش کنید، یا کارهای در صفی را که دیگر لازم ندارید متوقف کنید.",
    },
    "quota_exceeded": {
        "en": "'{name}' ({size:plural:byte|bytes}) does not fit in this workspace's quota: {used:,} of {limit:plural:byte|bytes} are used, {free:plural:byte|bytes} free (max_workspace_bytes). Free space by deleting datasets (DELETE datasets/<id>) or jobs (DELETE jobs/<id>) you no longer need.",
        "fa": "'{name}' ({size:plural:بایت|بایت}) در سهمیهٔ این فضای کار جا نمی‌شود: {used:,} از {limit:plural:بایت|بایت} استفاده شده و {free:plural:بایت|بایت} آزاد است (max_workspace_bytes). با حذف مجموعه‌داده‌ها (DELETE datasets/<id>) یا کارهایی (DELETE jobs/<id>) که دیگر لازم ندارید فضا آزاد کنید.",
    },
    "rate_limited": {
        "en": "Too many write requests: this server allows each user {per_minute:g} a minute after a burst of {burst}. Try again in {retry_after} s.",
        "fa": "درخواست‌های نوشتن بیش از حد است: این سرور به هر کاربر پس از {burst} درخواست پیاپی، {per_minute:g} درخواست در دقیقه اجازه می‌دهد. {retry_after} ثانیهٔ دیگر دوباره تلاش کنید.",
    },
    "note_time_limit": {
        "en": "Stopped: it ran longer than this server's limit of {seconds:g} s per job (max_job_seconds). Resume to continue from its last checkpoint.",
        "fa": "متوقف شد: بیش از سقف {seconds:g} ثانیه‌ای این سرور برای هر کار (max_job_seconds) اجرا شد. برای ادامه از آخرین نقطهٔ ذخیره، آن را از سر بگیرید.",
    },
    # --- issue 16, REST for the JupyterLab sidebar (server/endpoints/jobs.py: job_events) ---
    "invalid_last_event_id": {
        "en": "Invalid Last-Event-ID header '{value}': it is the id of a metrics event, a cursor '<run>.<row>' (two whole numbers joined by a dot, 1 to 9 and 1 to 18 digits, e.g. '0.125'). Leave it out to start from ?cursor= or since_step.",
        "fa": "سرآیند Last-Event-ID با مقدار '{value}' نامعتبر است: شناسهٔ یک رویداد metrics است، نشانگری به شکل '<run>.<row>' (دو عدد صحیح که با نقطه به هم وصل شده‌اند، با 1 تا 9 و 1 تا 18 رقم، مانند '0.125'). برای شروع از ?cursor= یا since_step آن را نفرستید.",
    },
    # --- issue 16 review fixes (server): the metrics cursor of GET jobs/<id>/events ---
    "invalid_cursor": {
        "en": "Invalid cursor '{value}': use the cursor of GET jobs/<id>/metrics or the id of a metrics event, '<run>.<row>' (two whole numbers joined by a dot, 1 to 9 and 1 to 18 digits, e.g. '0.125'). Leave it out to start from since_step.",
        "fa": "نشانگر '{value}' نامعتبر است: نشانگر پاسخ GET jobs/<id>/metrics یا شناسهٔ یک رویداد metrics را بفرستید، به شکل '<run>.<row>' (دو عدد صحیح که با نقطه به هم وصل شده‌اند، با 1 تا 9 و 1 تا 18 رقم، مانند '0.125'). برای شروع از since_step آن را نفرستید.",
    },
}


# Words a message takes as a parameter (stored by name in reports), rendered in its language.
TERMS: dict[str, dict[str, str]] = {
    "numeric_column": {"en": "a numeric column", "fa": "یک ستون عددی"},
    "label_column": {"en": "a label column", "fa": "یک ستون برچسب"},
    "text_column": {"en": "a text column", "fa": "یک ستون متنی"},
    # issue 14, item 2.7: what a predict record's value should be
    "a_number": {"en": "a number", "fa": "یک عدد"},
    "a_boolean": {"en": "true or false", "fa": "true یا false"},
    "text_or_number": {"en": "a text or a number", "fa": "یک متن یا عدد"},
    "a_text": {"en": "a text", "fa": "یک متن"},
    # issue 15: why a base model is not available
    "model_no_config": {"en": "the folder has no config.json", "fa": "پوشه config.json ندارد"},
    "model_no_folder": {"en": "there is no such folder", "fa": "چنین پوشه‌ای وجود ندارد"},
    "model_bad_name": {"en": "it is neither a folder nor a valid Hub id",
                       "fa": "نه پوشه است و نه شناسهٔ معتبری در Hub"},
    "model_offline": {"en": "it is not in the local cache and HF_HUB_OFFLINE is set",
                      "fa": "در حافظهٔ نهان محلی نیست و HF_HUB_OFFLINE تنظیم شده است"},
    "model_unreachable": {"en": "it is not in the local cache and the Hub could not be reached for it",
                          "fa": "در حافظهٔ نهان محلی نیست و دسترسی به Hub برای آن ممکن نشد"},
    # issue 15, review fixes (helper F15)
    "model_no_weights": {"en": "it has no weights in safetensors (*.safetensors); pickled weights "
                         "(pytorch_model.bin) are never loaded: convert them once where you trust the file, "
                         "with AutoModel.from_pretrained(folder).save_pretrained(folder)",
                         "fa": "وزنی با قالب safetensors (*.safetensors) ندارد؛ وزن‌های pickle "
                         "(pytorch_model.bin) هرگز بارگذاری نمی‌شوند: آن‌ها را یک بار، جایی که به فایل "
                         "اعتماد دارید، با AutoModel.from_pretrained(folder).save_pretrained(folder) تبدیل کنید"},
}


# The type names of a dataset's columns (issue 18), in messages and the panels' profile.
TYPE_NAMES: dict[str, dict[str, str]] = {
    "integer": {"en": "integer", "fa": "عدد صحیح"},
    "number": {"en": "number", "fa": "عدد"},
    "boolean": {"en": "boolean", "fa": "بولی"},
    "string": {"en": "string", "fa": "رشته"},
    "category": {"en": "category", "fa": "دسته‌ای"},
    "text": {"en": "text", "fa": "متن"},
    "list": {"en": "list", "fa": "فهرست"},
    "object": {"en": "object", "fa": "شیء"},
    "null-only": {"en": "null-only", "fa": "فقط تهی"},
}
_TYPE_WORD = re.compile(r"null-only|\b(?:" + "|".join(k for k in TYPE_NAMES if k != "null-only")
                        + r")\b")


# --- the notebook panels' words: tabs, buttons, settings, table headings ---
WORDS: dict[str, dict[str, str]] = {
    "datasets": {"en": "Datasets", "fa": "مجموعه‌داده‌ها"},
    "train": {"en": "Train", "fa": "آموزش"},
    "jobs": {"en": "Jobs", "fa": "کارها"},
    "dataset": {"en": "Dataset", "fa": "مجموعه‌داده"},
    "pick_dataset": {"en": "(pick a dataset)", "fa": "(یک مجموعه‌داده انتخاب کنید)"},
    "upload": {"en": "Upload a file", "fa": "بارگذاری فایل"},
    "import": {"en": "Import", "fa": "وارد کردن"},
    "server_file": {"en": "File on the server", "fa": "فایل روی سرور"},
    "refresh": {"en": "Refresh", "fa": "تازه‌سازی"},
    "report": {"en": "Validation report", "fa": "گزارش اعتبارسنجی"},
    "preview": {"en": "Preview", "fa": "پیش‌نمایش"},
    "profile": {"en": "Profile", "fa": "نمایه"},
    "previous": {"en": "Previous", "fa": "قبلی"},
    "next": {"en": "Next", "fa": "بعدی"},
    "no_errors": {"en": "No errors.", "fa": "خطایی نیست."},
    "rows": {"en": "rows", "fa": "سطر"},
    "line": {"en": "Line", "fa": "سطر"},
    "field": {"en": "Field", "fa": "فیلد"},
    "code": {"en": "Code", "fa": "کد"},
    "message": {"en": "Message", "fa": "پیام"},
    "count": {"en": "Count", "fa": "تعداد"},
    "type": {"en": "Type", "fa": "نوع"},
    "nulls": {"en": "Nulls", "fa": "خالی"},
    "distinct": {"en": "Distinct", "fa": "یکتا"},
    "values": {"en": "Values", "fa": "مقادیر"},
    "name": {"en": "Name", "fa": "نام"},
    "status": {"en": "Status", "fa": "وضعیت"},
    "task": {"en": "Task", "fa": "وظیفه"},
    "progress": {"en": "Progress", "fa": "پیشرفت"},
    "loss": {"en": "Loss", "fa": "زیان"},
    "device": {"en": "Device", "fa": "دستگاه"},
    "age": {"en": "Age", "fa": "عمر"},
    "no_jobs": {"en": "No jobs yet.", "fa": "هنوز کاری نیست."},
    "start": {"en": "Start", "fa": "شروع"},
    "stop": {"en": "Stop", "fa": "توقف"},
    "resume": {"en": "Resume", "fa": "ادامه"},
    "delete": {"en": "Delete", "fa": "حذف"},
    "background": {"en": "Run in background", "fa": "اجرا در پس‌زمینه"},
    "epochs": {"en": "Epochs (0: auto)", "fa": "دوره‌ها (0: خودکار)"},
    "batch_size": {"en": "Batch size (0: auto)", "fa": "اندازهٔ دسته (0: خودکار)"},
    "lr": {"en": "Learning rate (0: auto)", "fa": "نرخ یادگیری (0: خودکار)"},
    "val_fraction": {"en": "Validation fraction", "fa": "سهم اعتبارسنجی"},
    "seed": {"en": "Seed", "fa": "بذر تصادفی"},
    "early_stopping": {"en": "Early stopping (0: off)", "fa": "توقف زودهنگام (0: خاموش)"},
    "precision": {"en": "Precision", "fa": "دقت عددی"},
    "ready": {"en": "Ready to train.", "fa": "آمادهٔ آموزش."},
    "saved": {"en": "Model saved in", "fa": "مدل ذخیره شد در"},
    "submitted": {"en": "Submitted as background job", "fa": "به صورت کار پس‌زمینه ثبت شد"},
    "details": {"en": "Details", "fa": "جزئیات"},
    # --- issue 21, "Seen in a notebook": the rich displays (trainlab.display) and plots ---
    "show_invalid_rows": {"en": "Invalid rows", "fa": "سطرهای نامعتبر"},
    "show_size": {"en": "Size", "fa": "اندازه"},
    "show_format": {"en": "Format", "fa": "قالب"},
    "show_schema": {"en": "Schema", "fa": "ساختار ستون‌ها"},
    "show_column": {"en": "Column", "fa": "ستون"},
    "show_first_errors": {"en": "First errors", "fa": "نخستین خطاها"},
    "show_more": {"en": "… {count} more", "fa": "… و {count} مورد دیگر"},
    "show_steps": {"en": "Steps", "fa": "گام‌ها"},
    "show_epochs": {"en": "Epochs", "fa": "دوره‌ها"},
    "show_time": {"en": "Training time", "fa": "زمان آموزش"},
    "show_metric": {"en": "Metric", "fa": "معیار"},
    "show_best": {"en": "Saved model (best)", "fa": "مدل ذخیره‌شده (بهترین)"},
    "show_last": {"en": "Last evaluation", "fa": "آخرین ارزیابی"},
    "show_history": {"en": "Evaluations", "fa": "ارزیابی‌ها"},
    "show_step": {"en": "Step", "fa": "گام"},
    "show_epoch": {"en": "Epoch", "fa": "دوره"},
    "show_train_loss": {"en": "train loss", "fa": "زیان آموزش"},
    "show_val_loss": {"en": "validation loss", "fa": "زیان اعتبارسنجی"},
    "show_smoothed": {"en": "train loss (smoothed)", "fa": "زیان آموزش (هموارشده)"},
    "show_loss_chart": {"en": "Loss", "fa": "زیان"},
    "show_load": {"en": "Load", "fa": "بارگذاری"},
    "show_why_early": {"en": "early stopping: validation {metric} stopped improving",
                       "fa": "توقف زودهنگام: {metric} اعتبارسنجی دیگر بهتر نشد"},
    "show_why_requested": {"en": "stopped on request", "fa": "به درخواست متوقف شد"},
    "show_why_interrupted": {"en": "interrupted (Ctrl-C)", "fa": "قطع شد (Ctrl-C)"},
    "show_inputs": {"en": "Inputs", "fa": "ورودی‌ها"},
    "show_labels": {"en": "Labels", "fa": "برچسب‌ها"},
    "show_target": {"en": "Target", "fa": "هدف"},
    "show_parameters": {"en": "Parameters", "fa": "پارامترها"},
    "show_on_disk": {"en": "Size on disk", "fa": "اندازه روی دیسک"},
    "show_metrics": {"en": "Metrics", "fa": "معیارها"},
    "show_created": {"en": "Created", "fa": "ایجاد"},
    "show_duration": {"en": "Duration", "fa": "مدت"},
    "show_note": {"en": "Note", "fa": "یادداشت"},
    "show_error": {"en": "Error", "fa": "خطا"},
    "show_model": {"en": "Model", "fa": "مدل"},
    "show_train_result": {"en": "Training result", "fa": "نتیجهٔ آموزش"},
    "show_job": {"en": "Job", "fa": "کار"},
    "show_model_card": {"en": "Trained model", "fa": "مدل آموزش‌دیده"},
    "show_evaluation": {"en": "Evaluation", "fa": "ارزیابی"},
    "show_parent": {"en": "Split from", "fa": "جداشده از"},
    "show_rows_scored": {"en": "Rows scored", "fa": "سطرهای امتیازدهی‌شده"},
    "show_skipped": {"en": "Rows skipped", "fa": "سطرهای کنارگذاشته"},
    "show_unseen_labels": {"en": "Labels never seen in training", "fa": "برچسب‌های نادیده در آموزش"},
    "show_confusion": {"en": "Confusion matrix", "fa": "ماتریس درهم‌ریختگی"},
    "show_true": {"en": "true", "fa": "واقعی"},
    "show_predicted": {"en": "predicted", "fa": "پیش‌بینی"},
    "show_residuals": {"en": "Residuals (true − predicted), quantiles", "fa": "باقی‌مانده‌ها (واقعی − پیش‌بینی)، چندک‌ها"},
    # issue 21, evaluation: a job's recorded evaluations in the Jobs panel
    "evaluations": {"en": "Evaluations", "fa": "ارزیابی‌ها"},
    "no_evaluations": {"en": "Not evaluated yet: trainlab.evaluate(job_id, data).",
                       "fa": "هنوز ارزیابی نشده است: trainlab.evaluate(job_id, data)."},
    "rows_scored": {"en": "rows scored", "fa": "سطر امتیازدهی‌شده"},
    # issue 18, the training panel (helper D): form, status line, log, outcome, chart
    "tp_data": {"en": "Data", "fa": "داده"},
    "tp_model": {"en": "Model", "fa": "مدل"},
    "tp_training": {"en": "Training", "fa": "آموزش"},
    "tp_advanced": {"en": "Advanced", "fa": "پیشرفته"},
    "tp_dataset": {"en": "Dataset", "fa": "مجموعه‌داده"},
    "tp_task": {"en": "Task", "fa": "وظیفه"},
    "tp_role_target": {"en": "Target", "fa": "هدف"},
    "tp_role_label": {"en": "Label", "fa": "برچسب"},
    "tp_role_text": {"en": "Text", "fa": "متن"},
    "tp_role_prompt": {"en": "Prompt", "fa": "متن ورودی"},
    "tp_role_completion": {"en": "Completion", "fa": "متن پاسخ"},
    "tp_role_features": {"en": "Features", "fa": "ویژگی‌ها"},
    "task_tabular": {"en": "tabular (auto: classification or regression)",
                     "fa": "جدولی (خودکار: دسته‌بندی یا رگرسیون)"},
    "task_tabular-classification": {"en": "tabular classification", "fa": "دسته‌بندی جدولی"},
    "task_tabular-regression": {"en": "tabular regression", "fa": "رگرسیون جدولی"},
    "task_text-classification": {"en": "text classification", "fa": "دسته‌بندی متن"},
    "task_causal-lm": {"en": "language model (next token)", "fa": "مدل زبانی (نشانهٔ بعدی)"},
    "task_custom": {"en": "your own model", "fa": "مدل شما"},
    "tp_epochs": {"en": "Epochs", "fa": "دوره‌ها"},
    "tp_batch_size": {"en": "Batch size", "fa": "اندازهٔ دسته"},
    "tp_lr": {"en": "Learning rate", "fa": "نرخ یادگیری"},
    "tp_val_fraction": {"en": "Validation fraction", "fa": "سهم اعتبارسنجی"},
    "tp_seed": {"en": "Seed", "fa": "بذر تصادفی"},
    "tp_early_stopping": {"en": "Early stopping", "fa": "توقف زودهنگام"},
    "tp_early_stopping_tip": {"en": "Evaluations without improvement before training stops; "
                              "0 turns it off", "fa": "تعداد ارزیابی‌های بدون بهبود پیش از توقف "
                              "آموزش؛ 0 آن را خاموش می‌کند"},
    "tp_precision": {"en": "Precision", "fa": "دقت عددی"},
    "tp_device": {"en": "Device", "fa": "دستگاه"},
    "tp_auto": {"en": "auto", "fa": "خودکار"},
    "tp_log_scale": {"en": "Log scale", "fa": "مقیاس لگاریتمی"},
    "tp_not_a_number": {"en": "{name}: '{value}' is not a number; leave it empty for auto.",
                        "fa": "{name}: «{value}» عدد نیست؛ برای حالت خودکار خالی بگذارید."},
    "tp_preparing": {"en": "Preparing… (reading the data, building the model)",
                     "fa": "در حال آماده‌سازی… (خواندن داده، ساختن مدل)"},
    "tp_stopping": {"en": "Stopping… (a checkpoint at the next step)",
                    "fa": "در حال توقف… (نقطهٔ بازیابی در گام بعدی)"},
    "tp_status_line": {"en": "step {step} of {total} · epoch {epoch} · {rate} samples/s · "
                       "ETA {eta} · loss {loss}",
                       "fa": "گام {step} از {total} · دوره {epoch} · {rate} نمونه در ثانیه · "
                       "زمان باقی‌مانده {eta} · زیان {loss}"},
    "tp_ended_line": {"en": "step {step} of {total} · epoch {epoch} · {time}",
                      "fa": "گام {step} از {total} · دوره {epoch} · {time}"},
    "tp_stopped_at": {"en": "stopped at step {step} of {total}",
                      "fa": "در گام {step} از {total} متوقف شد"},
    "tp_early_at": {"en": "early stopping at step {step} of {total}: validation {metric} "
                    "stopped improving",
                    "fa": "توقف زودهنگام در گام {step} از {total}: {metric} اعتبارسنجی دیگر "
                    "بهتر نشد"},
    "tp_completed_at": {"en": "all {total} steps", "fa": "همهٔ {total} گام"},
    "tp_no_eval": {"en": "no evaluation yet", "fa": "هنوز ارزیابی‌ای انجام نشده"},
    "tp_best_eval": {"en": "saved model (best evaluation, step {step})",
                     "fa": "مدل ذخیره‌شده (بهترین ارزیابی، گام {step})"},
    "tp_last_eval": {"en": "last evaluation (step {step})",
                     "fa": "آخرین ارزیابی (گام {step})"},
    "tp_saved": {"en": "Model saved in", "fa": "مدل ذخیره شد در"},
    "tp_load": {"en": "Load it with", "fa": "بارگذاری با"},
    "tp_not_evaluated": {"en": "The model was saved after {step} step(s), before any evaluation; "
                         "train longer before using it.",
                         "fa": "مدل پس از {step} گام و پیش از هر ارزیابی ذخیره شد؛ پیش از "
                         "استفاده بیشتر آموزش دهید."},
    "tp_metrics_table": {"en": "Evaluations", "fa": "ارزیابی‌ها"},
    "tp_log_preparing": {"en": "preparing…", "fa": "در حال آماده‌سازی…"},
    "tp_log_start": {"en": "{task} on {device}: {steps} steps, {parameters} parameters; job {job}",
                     "fa": "{task} روی {device}: {steps} گام، {parameters} پارامتر؛ کار {job}"},
    "tp_log_eval": {"en": "step {step}: {metrics}", "fa": "گام {step}: {metrics}"},
    "tp_log_stop": {"en": "stop requested", "fa": "درخواست توقف"},
    "tp_log_end": {"en": "{status}: {detail}", "fa": "{status}: {detail}"},
    "tp_note_large": {"en": "Large dataset: training for {steps} steps, part of one epoch; set "
                      "epochs to train longer.",
                      "fa": "مجموعه‌دادهٔ بزرگ: آموزش برای {steps} گام، بخشی از یک دوره؛ برای "
                      "آموزش بیشتر، دوره‌ها را تعیین کنید."},
    "tp_note_cache": {"en": "Data tensors came from the cache (same data and settings).",
                      "fa": "تانسورهای داده از حافظهٔ نهان آمدند (همان داده و تنظیمات)."},
    "tp_note_no_gpu": {"en": "No GPU found (CUDA or MPS); training on the CPU.",
                       "fa": "هیچ GPU (CUDA یا MPS) پیدا نشد؛ آموزش روی CPU انجام می‌شود."},
    "tp_chart_loss": {"en": "loss", "fa": "زیان"},
    "tp_chart_step": {"en": "step", "fa": "گام"},
    "tp_train_loss": {"en": "train loss", "fa": "زیان آموزش"},
    "tp_train_loss_ema": {"en": "train loss (smoothed)", "fa": "زیان آموزش (هموارشده)"},
    "tp_val_loss": {"en": "validation loss", "fa": "زیان اعتبارسنجی"},
    "metric_loss": {"en": "loss", "fa": "زیان"},
    "metric_accuracy": {"en": "accuracy", "fa": "دقت"},
    "metric_macro_f1": {"en": "macro F1", "fa": "میانگین کلان اف‌یک"},
    "metric_rmse": {"en": "RMSE", "fa": "ریشهٔ میانگین مربع خطا"},
    "metric_mae": {"en": "MAE", "fa": "میانگین قدرمطلق خطا"},
    "metric_r2": {"en": "R²", "fa": "ضریب تعیین"},
    "metric_perplexity": {"en": "perplexity", "fa": "سرگشتگی"},
    "metric_bits_per_byte": {"en": "bits per byte", "fa": "بیت بر بایت"},
    # form-worded errors of the training panel's check, by error code (helper D)
    "form_missing_mapping": {"en": "Choose the {role} column.", "fa": "ستون {role} را انتخاب کنید."},
    "form_no_columns": {"en": "Choose the {role} column.", "fa": "ستون {role} را انتخاب کنید."},
    "form_column_not_found": {"en": "The {role} column '{column}' is not in this dataset; choose "
                              "another.", "fa": "ستون {role} («{column}») در این مجموعه‌داده نیست؛ "
                              "ستون دیگری انتخاب کنید."},
    "form_wrong_column_type": {"en": "The {role} column '{column}' holds {type}; {task} needs "
                               "{expected} there. Choose another column or another task.",
                               "fa": "ستون {role} («{column}») از نوع {type} است؛ {task} در آن‌جا "
                               "{expected} لازم دارد. ستون یا وظیفهٔ دیگری انتخاب کنید."},
    "form_too_few_classes": {"en": "{column} has only {count} distinct value(s); a classifier "
                             "needs at least 2. Choose another column.",
                             "fa": "{column} تنها {count} مقدار متمایز دارد؛ دسته‌بندی دست‌کم 2 "
                             "مقدار لازم دارد. ستون دیگری انتخاب کنید."},
    "form_missing_value": {"en": "{column} is empty on this line; {task} needs a value there.",
                           "fa": "{column} در این سطر خالی است؛ {task} در آن‌جا مقدار لازم دارد."},
    "form_empty_text": {"en": "{column} is an empty text on this line.",
                        "fa": "متن {column} در این سطر خالی است."},
    "form_not_numeric": {"en": "{column} is {value} on this line, not a number; {task} needs a "
                         "numeric target.", "fa": "{column} در این سطر {value} است و عدد نیست؛ "
                         "{task} هدف عددی لازم دارد."},
    "form_no_features": {"en": "Choose at least one feature.",
                         "fa": "دست‌کم یک ویژگی انتخاب کنید."},
    # --- issue 18, helper E: the Datasets and Jobs panels and ui() ---
    "dataset_option": {"en": "{name} ({rows:plural:row|rows}, {status})",
                       "fa": "{name} ({rows:plural:سطر|سطر}، {status})"},
    "status_valid": {"en": "valid", "fa": "معتبر"},
    "status_invalid": {"en": "invalid", "fa": "نامعتبر"},
    "status_queued": {"en": "queued", "fa": "در صف"},
    "status_running": {"en": "running", "fa": "در حال اجرا"},
    "status_completed": {"en": "completed", "fa": "کامل‌شده"},
    "status_failed": {"en": "failed", "fa": "ناموفق"},
    "status_stopped": {"en": "stopped", "fa": "متوقف‌شده"},
    "status_interrupted": {"en": "interrupted", "fa": "قطع‌شده"},
    "age_seconds": {"en": "{n} s ago", "fa": "{n} ثانیه پیش"},
    "age_minutes": {"en": "{n} min ago", "fa": "{n} دقیقه پیش"},
    "age_hours": {"en": "{n} h ago", "fa": "{n} ساعت پیش"},
    "age_days": {"en": "{n} d ago", "fa": "{n} روز پیش"},
    "ds_summary": {"en": "{rows:plural:row|rows}{invalid} · {size} · {format}",
                   "fa": "{rows:plural:سطر|سطر}{invalid} · {size} · {format}"},
    "ds_invalid_extra": {"en": " ({count} invalid)", "fa": " ({count} نامعتبر)"},
    "ds_uploaded": {"en": "✓ {name}: {status}, {rows:plural:row|rows}",
                    "fa": "✓ {name}: {status}، {rows:plural:سطر|سطر}"},
    "ds_checking": {"en": "checking…", "fa": "در حال بررسی…"},
    "ds_warnings": {"en": "Warnings", "fa": "هشدارها"},
    "ds_min_mean_max": {"en": "min {min} · mean {mean} · max {max}",
                        "fa": "کمینه {min} · میانگین {mean} · بیشینه {max}"},
    "ds_estimate": {"en": "≈ an estimate (a sketch of the values), not an exact count",
                    "fa": "≈ برآورد (از روی طرحی از مقادیر)، نه شمارش دقیق"},
    "ds_path_placeholder": {"en": "data/train.csv", "fa": "مسیر فایل، نسبت به این نوت‌بوک"},
    "ds_field": {"en": "Column", "fa": "ستون"},
    "jobs_dataset": {"en": "Dataset", "fa": "مجموعه‌داده"},
    "jobs_job": {"en": "Job", "fa": "کار"},
    "jobs_step": {"en": "step {step}", "fa": "گام {step}"},
    "jobs_loss": {"en": "loss", "fa": "زیان"},
    "jobs_device": {"en": "device", "fa": "دستگاه"},
    "jobs_details": {"en": "Evaluations of", "fa": "ارزیابی‌های"},
    "jobs_pick": {"en": "(pick a job)", "fa": "(یک کار انتخاب کنید)"},
    "jobs_show": {"en": "Details", "fa": "جزئیات"},
    "snapshot_train": {"en": "trainlab training panel: dataset {dataset}, task {task}. "
                       "Run the cell to use it.",
                       "fa": "پنل آموزش trainlab: مجموعه‌داده {dataset}، وظیفه {task}. برای استفاده، "
                       "سلول را اجرا کنید."},
    "snapshot_panel": {"en": "trainlab {panel} panel. Run the cell to use it.",
                       "fa": "پنل {panel} در trainlab. برای استفاده، سلول را اجرا کنید."},
    # --- issue 18 review fixes (helper G) ---
    "tp_run_name": {"en": "{task} on {dataset}", "fa": "{task} روی {dataset}"},
    # issues 21 and 18, the notebook cards in Persian (helper H): labels, time, notes
    "cards_id": {"en": "id", "fa": "شناسه"},
    "cards_path": {"en": "path", "fa": "مسیر"},
    "cards_utc": {"en": "UTC", "fa": "به وقت جهانی"},
    "cards_run_name": {"en": "{task} run", "fa": "اجرای {task}"},
    "cards_note_early": {"en": "Early stopping after {step} of {total} steps: validation {metric} "
                         "stopped improving.",
                         "fa": "توقف زودهنگام پس از {step} گام از {total} گام: {metric} اعتبارسنجی "
                         "دیگر بهتر نشد."},
    "metric_log_loss": {"en": "log loss", "fa": "زیان لگاریتمی"},
    # issue 19, experiments (H4): the leaderboard and comparison cards
    "exp_trials": {"en": "Trials", "fa": "آزمون‌ها"},
    "exp_metric": {"en": "Metric", "fa": "معیار"},
    "exp_job": {"en": "Job", "fa": "کار"},
    "exp_best": {"en": "best {metric}", "fa": "بهترین {metric}"},
    "exp_final": {"en": "final {metric}", "fa": "{metric} پایانی"},
    "exp_jobs_compared": {"en": "{count} jobs compared", "fa": "مقایسهٔ {count} کار"},
    # --- issue 15, helper H3: the training panel's base model (widgets/base_model.py) ---
    "hf_base_model": {"en": "Base model", "fa": "مدل پایه"},
    "hf_base_placeholder": {"en": "empty: the built-in byte-level model; or a model id or a folder",
                            "fa": "خالی: مدل داخلی بایت‌پایه؛ یا شناسهٔ یک مدل یا مسیر یک پوشه"},
    "hf_base_tip": {"en": "A pretrained model to fine-tune: one from the local Hugging Face cache "
                    "(listed), another Hub id, or a folder written by save_pretrained",
                    "fa": "یک مدل ازپیش‌آموزش‌دیده برای تنظیم: یکی از حافظهٔ نهان محلی (در فهرست)، "
                    "شناسهٔ مدلی دیگر، یا پوشه‌ای که با ذخیرهٔ مدل ازپیش‌آموزش‌دیده نوشته شده"},
    "hf_refresh_tip": {"en": "Look for models in the local Hugging Face cache again",
                       "fa": "جست‌وجوی دوبارهٔ مدل‌ها در حافظهٔ نهان محلی"},
    "hf_lora": {"en": "LoRA", "fa": "تطبیق کم‌رتبه"},
    "hf_lora_tip": {"en": "auto: LoRA for models over about 300M parameters, full fine-tuning "
                    "otherwise", "fa": "خودکار: تطبیق کم‌رتبه برای مدل‌های بزرگ‌تر از حدود 300 "
                    "میلیون پارامتر، وگرنه تنظیم کامل همهٔ وزن‌ها"},
    "hf_on": {"en": "on", "fa": "روشن"},
    "hf_off": {"en": "off", "fa": "خاموش"},
    "hf_checkpointing": {"en": "Gradient checkpointing", "fa": "بازمحاسبهٔ گرادیان"},
    "hf_checkpointing_tip": {"en": "Recompute activations in the backward pass: less GPU memory, "
                             "slower steps", "fa": "فعال‌سازی‌ها در گذر رو به عقب دوباره محاسبه "
                             "می‌شوند: حافظهٔ GPU کمتر، گام‌های کندتر"},
    "form_model_not_available": {
        "en": "The base model {name} is not available: {reason}. Looked in {looked}. Give a local "
        "folder, or download the model once where the internet is reachable.",
        "fa": "مدل پایهٔ {name} در دسترس نیست: {reason}. جای جست‌وجو: {looked}. مسیر پوشه‌ای محلی را "
        "بدهید، یا مدل را یک بار جایی که اینترنت در دسترس است بارگیری کنید."},
    "hf_why_model_offline": {"en": "it is not in the local cache and downloads are off ({var})",
                             "fa": "در حافظهٔ نهان محلی نیست و بارگیری خاموش است ({var})"},
    "hf_why_model_unreachable": {"en": "it is not in the local cache and could not be downloaded",
                                 "fa": "در حافظهٔ نهان محلی نیست و بارگیری آن ممکن نشد"},
    "hf_why_model_no_config": {"en": "the folder has no {file}", "fa": "پوشه {file} ندارد"},
    "hf_why_model_no_folder": {"en": "there is no such folder", "fa": "چنین پوشه‌ای وجود ندارد"},
    "hf_why_model_bad_name": {"en": "it is neither a folder nor a valid model id",
                              "fa": "نه پوشه است و نه شناسهٔ معتبر یک مدل"},
    # issue 19: experiments panel (H7): the panel, the trials' state, the experiment plots
    "experiments": {"en": "Experiments", "fa": "آزمایش‌ها"},
    "status_pruned": {"en": "pruned", "fa": "هرس‌شده"},
    "no_experiments": {"en": "No experiments yet; start one with",
                       "fa": "هنوز آزمایشی نیست؛ یکی را با این آغاز کنید:"},
    "exp_pick": {"en": "Choose an experiment", "fa": "یک آزمایش را برگزینید"},
    "exp_experiment": {"en": "Experiment", "fa": "آزمایش"},
    "exp_stop": {"en": "Stop experiment", "fa": "توقف آزمایش"},
    "exp_trial": {"en": "Trial", "fa": "آزمون"},
    "exp_state": {"en": "State", "fa": "وضعیت"},
    "exp_value": {"en": "Value", "fa": "مقدار"},
    "exp_best_mark": {"en": "best", "fa": "بهترین"},
    "exp_no_trials": {"en": "No trials yet: a running scheduler starts them.",
                      "fa": "هنوز آزمونی نیست: زمان‌بند در حال اجرا آن‌ها را آغاز می‌کند."},
    "exp_direction_maximize": {"en": "higher is better", "fa": "بیشتر بهتر است"},
    "exp_direction_minimize": {"en": "lower is better", "fa": "کمتر بهتر است"},
    "exp_trial_values": {"en": "trials", "fa": "آزمون‌ها"},
    "exp_best_so_far": {"en": "best so far", "fa": "بهترین تاکنون"},
    "exp_plot_best": {"en": "best", "fa": "بهترین"},
    "exp_plot_trial": {"en": "trial", "fa": "آزمون"},
    "exp_plot_pruned": {"en": "pruned trial", "fa": "آزمون هرس‌شده"},
    "exp_plot_best_so_far": {"en": "best so far", "fa": "بهترین تاکنون"},
    "exp_plot_best_so_far_title": {"en": "Best {metric} so far", "fa": "بهترین {metric} تاکنون"},
    "exp_plot_trial_number": {"en": "Trial", "fa": "شمارهٔ آزمون"},
    "exp_plot_curves": {"en": "Validation {metric} of the trials",
                        "fa": "{metric} اعتبارسنجی آزمون‌ها"},
    "exp_plot_params": {"en": "Parameters against {metric}", "fa": "پارامترها در برابر {metric}"},
    "exp_plot_no_curves": {"en": "Nothing to draw yet: no trial has reported validation {metric}.",
                           "fa": "هنوز چیزی برای رسم نیست: هیچ آزمونی {metric} اعتبارسنجی را گزارش نکرده است."},
    "exp_plot_no_values": {"en": "Nothing to draw yet: no trial has a value of {metric}.",
                           "fa": "هنوز چیزی برای رسم نیست: هیچ آزمونی مقداری برای {metric} ندارد."},
    "exp_plot_no_params": {"en": "Nothing to draw: the {metric} values have no parameters that differ.",
                           "fa": "چیزی برای رسم نیست: مقدارهای {metric} پارامتر متفاوتی ندارند."},
    # issue 15, review fixes (helper F15)
    "hf_why_model_no_weights": {"en": "it has no weights in safetensors (a pickled "
                                "pytorch_model.bin is never loaded)",
                                "fa": "وزنی با قالب safetensors ندارد (pytorch_model.bin که pickle است "
                                "هرگز بارگذاری نمی‌شود)"},
    # --- issue 19 fixes (F19): a pruned trial's job in the jobs panel and the leaderboard ---
    "jobs_trial_of": {"en": "trial {number} of", "fa": "آزمون {number} از"},
    "jobs_note": {"en": "Note", "fa": "یادداشت"},
    # --- issue 20, Ray executor (helper B): the executor label of a job row ---
    "jobs_executor_ray": {"en": "on Ray", "fa": "روی Ray"},
    # -- issue 20, several processes on one machine: the training panel's box --------------------
    "tp_devices": {"en": "Processes", "fa": "فرایندها"},
    "tp_devices_tip": {"en": "devices=N: N GPUs, one process each, or N CPU processes on the CPU",
                       "fa": "چند فرایند: هر کدام یک GPU، یا فرایندهای CPU وقتی روی CPU آموزش می‌بیند"},
}


def current_language(lang: str | None = None) -> str:
    """The language to speak: ``lang``, else ``$TRAINLAB_LANG``, else the locale, else English."""
    candidates = [lang, os.environ.get("TRAINLAB_LANG")]
    candidates += [os.environ.get(v) for v in ("LC_ALL", "LC_MESSAGES", "LANG")]
    for value in candidates:
        if not value:
            continue
        code = value.split(".")[0].split("_")[0].split("-")[0].lower()
        if code in LANGUAGES:
            return code
        if value is lang:  # an explicit but unknown language falls back to English
            return "en"
    return "en"


def render(code: str, params: dict[str, Any] | None = None, lang: str | None = None) -> str:
    """The message (or panel word) for ``code`` in ``lang``, formatted with ``params``.

    An unknown code or a missing parameter never raises: the message degrades to the code
    and its parameters, so a report can always be shown.
    """
    params = params or {}
    templates = MESSAGES.get(code) or WORDS.get(code)
    if templates is None:
        return f"{code}: {params}" if params else code
    language = current_language(lang)
    template = templates.get(language) or templates["en"]
    params = {k: TERMS[v].get(language, TERMS[v]["en"]) if isinstance(v, str) and v in TERMS else v
              for k, v in params.items()}
    params = {k: render(v["code"], v["params"], language)  # a nested message, same language
              if isinstance(v, dict) and set(v) == {"code", "params"} else v
              for k, v in params.items()}
    # a column's type names (issue 18): "29 integer, 1 string"; lists ("lines 5, 9") with "،"
    if language != "en":
        params = {k: _TYPE_WORD.sub(lambda m: TYPE_NAMES[m[0]].get(language, m[0]), v)
                  .replace(", ", "، " if language == "fa" else ", ")
                  if k in ("type", "kinds", "lines") and isinstance(v, str) else v
                  for k, v in params.items()}
        params = {k: WORDS[f"status_{v}"].get(language, v)  # a job's state: "completed"
                  if k in ("state", "status") and f"status_{v}" in WORDS else v
                  for k, v in params.items()}
    try:
        return _FORMATTER.vformat(template, (), params)
    except (KeyError, IndexError, ValueError, AttributeError):
        return _FORMATTER.vformat(templates["en"], (), _Lenient(params))


def term(kind: str, value: Any, lang: str | None = None) -> str:
    """A status, task, metric (``kind`` ``"status"``, ``"task"``, ``"metric"``: the
    ``<kind>_<value>`` word) or column type (``"type"``: :data:`TYPE_NAMES`) in ``lang``; the
    value itself when no word is known."""
    text = str(value)
    if kind == "type":
        names = TYPE_NAMES.get(text)
        return names.get(current_language(lang), names["en"]) if names else text
    key = f"{kind}_{text}"
    return render(key, lang=lang) if key in WORDS else text


def localize_report(report: dict[str, Any], lang: str | None = None) -> dict[str, Any]:
    """Fill in every entry's ``message`` of a report (a dataset's validation, a task check)
    in ``lang`` from its code and parameters."""
    for entry in (*report.get("errors", []), *report.get("warnings", [])):
        params = {"line": entry.get("line"), **entry.get("params", {})}
        located = entry["code"] == "mixed_types" and "lines" in params  # issue 18, item 8
        entry["message"] = render("type_breaks" if located else entry["code"], params, lang)
    return report


def direction(lang: str) -> str:
    """How ``lang`` is written: ``rtl`` (Persian) or ``ltr``."""
    return "rtl" if lang == "fa" else "ltr"


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class _Plural(string.Formatter):
    """``{count:plural:field|fields}`` -> ``1 field``, ``2 fields``, ``1,234 fields`` (issue 18,
    item 8); other fields format as ``str.format`` does. Persian keeps the singular after a
    number, so its templates need no plural."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.startswith("word:"):  # the word alone: "{shown:word:line|lines} 3, 9"
            one, _, many = format_spec[len("word:"):].partition("|")
            return one if value == 1 else many or one
        if not format_spec.startswith("plural:"):
            try:
                return super().format_field(value, format_spec)
            except (TypeError, ValueError):  # a report's value of another type: as it is
                return str(value)
        one, _, many = format_spec[len("plural:"):].partition("|")
        count = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value
        return f"{count} {one if value == 1 else many or one}"


_FORMATTER = _Plural()


def best_language(accept_language: str | None) -> str:
    """Pick ``en`` or ``fa`` from an HTTP ``Accept-Language`` header (q-values honoured)."""
    if not accept_language:
        return "en"
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().split("-")[0].lower()
        quality = 1.0
        for piece in pieces[1:]:
            key, _, value = piece.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag in LANGUAGES and quality > 0:
            ranked.append((-quality, index, tag))
    return min(ranked)[2] if ranked else "en"
