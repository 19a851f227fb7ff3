"""The panels' words in English and Persian; Persian panels are laid out right to left."""

from __future__ import annotations

from trainlab import i18n

LABELS: dict[str, dict[str, str]] = {
    "datasets": {"en": "Datasets", "fa": "مجموعه‌داده‌ها"},
    "train": {"en": "Train", "fa": "آموزش"},
    "jobs": {"en": "Jobs", "fa": "کارها"},
    "dataset": {"en": "Dataset", "fa": "مجموعه‌داده"},
    "upload": {"en": "Upload a file", "fa": "بارگذاری فایل"},
    "import": {"en": "Import", "fa": "وارد کردن"},
    "server_file": {"en": "File on the server", "fa": "فایل روی سرور"},
    "refresh": {"en": "Refresh", "fa": "تازه‌سازی"},
    "status": {"en": "Status", "fa": "وضعیت"},
    "rows": {"en": "rows", "fa": "سطر"},
    "report": {"en": "Validation report", "fa": "گزارش اعتبارسنجی"},
    "preview": {"en": "Preview", "fa": "پیش‌نمایش"},
    "profile": {"en": "Profile", "fa": "نمایه"},
    "line": {"en": "Line", "fa": "سطر"},
    "field": {"en": "Field", "fa": "فیلد"},
    "code": {"en": "Code", "fa": "کد"},
    "message": {"en": "Message", "fa": "پیام"},
    "count": {"en": "Count", "fa": "تعداد"},
    "no_errors": {"en": "No errors.", "fa": "خطایی نیست."},
    "previous": {"en": "Previous", "fa": "قبلی"},
    "next": {"en": "Next", "fa": "بعدی"},
    "type": {"en": "Type", "fa": "نوع"},
    "nulls": {"en": "Nulls", "fa": "خالی"},
    "distinct": {"en": "Distinct", "fa": "یکتا"},
    "values": {"en": "Values", "fa": "مقادیر"},
    "stop": {"en": "Stop", "fa": "توقف"},
    "resume": {"en": "Resume", "fa": "ادامه"},
    "delete": {"en": "Delete", "fa": "حذف"},
    "name": {"en": "Name", "fa": "نام"},
    "task": {"en": "Task", "fa": "کار"},
    "progress": {"en": "Progress", "fa": "پیشرفت"},
    "loss": {"en": "Loss", "fa": "خطا"},
    "device": {"en": "Device", "fa": "دستگاه"},
    "age": {"en": "Age", "fa": "عمر"},
    "no_jobs": {"en": "No jobs yet.", "fa": "هنوز کاری نیست."},
    "uploading": {"en": "Uploading {name}: {done} of {size}", "fa": "بارگذاری {name}: {done} از {size}"},
    "validating": {"en": "Checking {name}…", "fa": "بررسی {name}…"},
    "pick_dataset": {"en": "(pick a dataset)", "fa": "(یک مجموعه‌داده انتخاب کنید)"},
}


def language(lang: str | None) -> str:
    return i18n.current_language(lang)


def label(key: str, lang: str, **params: object) -> str:
    entry = LABELS[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**params) if params else text


def direction(lang: str) -> str:
    return "rtl" if lang == "fa" else "ltr"


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"
