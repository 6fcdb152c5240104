"""The record editing form: the layer's own title, abstract and licence with the record's ISO
elements and one description pair per field of the layer's schema (the data dictionary)."""
from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator

from layers.catalogue.codes import REVIEW_NUMBER_PATTERN, MaintenanceFrequency, TopicCategory
from layers.catalogue.models import CatalogueRecord
from layers.schema import parse_schema

MAX_KEYWORDS = 30
KEYWORD_MAX_LENGTH = 60


class RecordForm(forms.Form):
    title_zh = forms.CharField(label="标题（中文） / Title (Chinese)", max_length=200)
    title_en = forms.CharField(label="标题（英文） / Title (English)", max_length=200, required=False)
    description_zh = forms.CharField(label="摘要（中文） / Abstract (Chinese)", widget=forms.Textarea, required=False)
    description_en = forms.CharField(label="摘要（英文） / Abstract (English)", widget=forms.Textarea, required=False)
    keywords = forms.CharField(label="关键词 / Keywords", required=False,
                               help_text="以逗号分隔 / Separated by commas")
    topic_category = forms.ChoiceField(label="ISO 19115 主题 / Topic category", choices=TopicCategory.choices)
    contact_name = forms.CharField(label="联系人 / Contact", max_length=120, required=False)
    contact_email = forms.EmailField(label="电子邮件 / Email", required=False)
    contact_phone = forms.CharField(label="电话 / Phone", max_length=40, required=False)
    maintenance_frequency = forms.ChoiceField(label="更新频率 / Update frequency",
                                              choices=MaintenanceFrequency.choices)
    lineage = forms.CharField(label="数据来源与处理 / Lineage", widget=forms.Textarea, required=False)
    licence = forms.CharField(label="许可 / Licence", max_length=200, required=False)
    temporal_begin = forms.DateField(label="时间范围起 / Temporal extent from", required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    temporal_end = forms.DateField(label="时间范围止 / Temporal extent to", required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    review_number = forms.CharField(
        label="审图号 / Map review number", max_length=40, required=False,
        validators=[RegexValidator(REVIEW_NUMBER_PATTERN, "审图号格式如 GS(2024)1234号 / Format: GS(2024)1234号")],
    )
    hidden = forms.BooleanField(
        label="仅对可查看数据者显示本目录条目 / Show this record only to those who may see the data", required=False)

    def __init__(self, *args, record: CatalogueRecord, **kwargs):
        layer = record.layer
        initial = {
            "title_zh": layer.title_zh, "title_en": layer.title_en, "description_zh": layer.description_zh,
            "description_en": layer.description_en, "licence": layer.licence,
            "keywords": ", ".join(record.keywords), "topic_category": record.topic_category,
            "contact_name": record.contact_name, "contact_email": record.contact_email,
            "contact_phone": record.contact_phone, "maintenance_frequency": record.maintenance_frequency,
            "lineage": record.lineage, "temporal_begin": record.temporal_begin, "temporal_end": record.temporal_end,
            "review_number": record.review_number, "hidden": record.hidden,
        }
        self.schema_fields = parse_schema(layer.schema)
        for fdef in self.schema_fields:
            text = record.field_descriptions.get(fdef.name) or {}
            for lang in ("zh", "en"):
                name = f"field_{lang}__{fdef.name}"
                initial[name] = text.get(lang, "")
        super().__init__(*args, initial=initial, **kwargs)
        for fdef in self.schema_fields:
            for lang, label in (("zh", "说明"), ("en", "description")):
                self.fields[f"field_{lang}__{fdef.name}"] = forms.CharField(
                    label=f"{fdef.name} {label}", max_length=500, required=False)

    def dictionary_rows(self):
        """(field definition, zh bound field, en bound field) for the template's data dictionary table."""
        return [(fdef, self[f"field_zh__{fdef.name}"], self[f"field_en__{fdef.name}"]) for fdef in self.schema_fields]

    def clean_keywords(self) -> list[str]:
        raw = self.cleaned_data.get("keywords", "").replace("，", ",").replace("、", ",")
        keywords = list(dict.fromkeys(k.strip() for k in raw.split(",") if k.strip()))
        if len(keywords) > MAX_KEYWORDS:
            raise forms.ValidationError(f"至多 {MAX_KEYWORDS} 个关键词 / At most {MAX_KEYWORDS} keywords.")
        too_long = [k for k in keywords if len(k) > KEYWORD_MAX_LENGTH]
        if too_long:
            raise forms.ValidationError(f"关键词过长（至多 {KEYWORD_MAX_LENGTH} 字）/ "
                                        f"Keyword too long (at most {KEYWORD_MAX_LENGTH}): {too_long[0]}")
        return keywords

    def clean(self):
        cleaned = super().clean()
        begin, end = cleaned.get("temporal_begin"), cleaned.get("temporal_end")
        if begin and end and begin > end:
            self.add_error("temporal_end", "结束日期早于开始日期 / The end is before the beginning.")
        descriptions = {}
        for fdef in self.schema_fields:
            pair = {lang: (cleaned.get(f"field_{lang}__{fdef.name}") or "").strip() for lang in ("zh", "en")}
            if any(pair.values()):
                descriptions[fdef.name] = pair
        cleaned["field_descriptions"] = descriptions
        return cleaned
