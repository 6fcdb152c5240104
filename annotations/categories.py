"""The categories a deployment starts with (seeded by migration 0002; editable in the admin)."""

DEFAULT_CATEGORIES = [
    # code, zh, en, icon, deadline days
    ("road_damage", "道路破损", "Road damage", "🚧", 7),
    ("street_light", "路灯故障", "Street light", "💡", 5),
    ("drainage", "排水积水", "Drainage", "🌊", 3),
    ("illegal_construction", "违法建设", "Illegal construction", "🏗️", 15),
    ("environment", "环境卫生", "Environment", "🌳", 7),
    ("public_facility", "公共设施", "Public facility", "🏛️", 10),
    ("suggestion", "意见建议", "Suggestion", "💬", 30),
    ("other", "其他", "Other", "📌", 15),
]


def seed_categories(category_model) -> None:
    """Create the missing default categories (works with the historical model in migrations)."""
    for position, (code, zh, en, icon, days) in enumerate(DEFAULT_CATEGORIES):
        category_model.objects.get_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "icon": icon, "deadline_days": days,
                                 "position": position},
        )
