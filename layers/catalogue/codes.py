"""ISO 19115 code lists the catalogue uses (ISO 19139 codeListValue strings) with bilingual labels."""
from django.db import models


class TopicCategory(models.TextChoices):
    """MD_TopicCategoryCode (ISO 19115:2003, B.5.27)."""

    FARMING = "farming", "农业 / Farming"
    BIOTA = "biota", "生物 / Biota"
    BOUNDARIES = "boundaries", "行政边界 / Boundaries"
    CLIMATOLOGY = "climatologyMeteorologyAtmosphere", "气候气象 / Climatology, meteorology, atmosphere"
    ECONOMY = "economy", "经济 / Economy"
    ELEVATION = "elevation", "高程 / Elevation"
    ENVIRONMENT = "environment", "环境 / Environment"
    GEOSCIENTIFIC = "geoscientificInformation", "地球科学 / Geoscientific information"
    HEALTH = "health", "卫生 / Health"
    IMAGERY = "imageryBaseMapsEarthCover", "影像底图 / Imagery, base maps, earth cover"
    INTELLIGENCE = "intelligenceMilitary", "军事 / Intelligence, military"
    INLAND_WATERS = "inlandWaters", "内陆水域 / Inland waters"
    LOCATION = "location", "位置 / Location"
    OCEANS = "oceans", "海洋 / Oceans"
    PLANNING = "planningCadastre", "规划地籍 / Planning, cadastre"
    SOCIETY = "society", "社会 / Society"
    STRUCTURE = "structure", "建筑设施 / Structure"
    TRANSPORTATION = "transportation", "交通 / Transportation"
    UTILITIES = "utilitiesCommunication", "公用事业通信 / Utilities, communication"


class MaintenanceFrequency(models.TextChoices):
    """MD_MaintenanceFrequencyCode (ISO 19115:2003, B.5.18)."""

    CONTINUAL = "continual", "实时 / Continual"
    DAILY = "daily", "每日 / Daily"
    WEEKLY = "weekly", "每周 / Weekly"
    FORTNIGHTLY = "fortnightly", "每两周 / Fortnightly"
    MONTHLY = "monthly", "每月 / Monthly"
    QUARTERLY = "quarterly", "每季度 / Quarterly"
    BIANNUALLY = "biannually", "每半年 / Biannually"
    ANNUALLY = "annually", "每年 / Annually"
    AS_NEEDED = "asNeeded", "按需 / As needed"
    IRREGULAR = "irregular", "不定期 / Irregular"
    NOT_PLANNED = "notPlanned", "无计划 / Not planned"
    UNKNOWN = "unknown", "未知 / Unknown"


# The platform's layer themes, mapped onto the ISO topic a new record starts with.
THEME_TOPIC = {
    "boundaries": TopicCategory.BOUNDARIES,
    "public_services": TopicCategory.SOCIETY,
    "education": TopicCategory.SOCIETY,
    "health": TopicCategory.HEALTH,
    "environment": TopicCategory.ENVIRONMENT,
    "planning": TopicCategory.PLANNING,
    "economy": TopicCategory.ECONOMY,
    "transport": TopicCategory.TRANSPORTATION,
    "feedback": TopicCategory.SOCIETY,
    "other": TopicCategory.LOCATION,
}

# 审图号 (map review number) as the review authorities print it: GS(2024)1234号, 黑S(2023)012号, GS京(2022)1号.
REVIEW_NUMBER_PATTERN = r"^[A-Z\u4e00-\u9fff]{1,4}[(（]\d{4}[)）]\d{1,6}号$"
