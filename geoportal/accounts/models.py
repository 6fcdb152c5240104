"""Departments and the people who work for them (or use the platform as the public)."""
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import get_language


class Department(models.Model):
    code = models.SlugField(max_length=40, unique=True, help_text="Short stable code, e.g. 'planning'.")
    name_zh = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class User(AbstractUser):
    class Role(models.TextChoices):
        PUBLIC = "public", "Public user"
        EDITOR = "editor", "Department editor"
        MANAGER = "manager", "Department manager"
        ADMIN = "admin", "Platform administrator"

    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.PUBLIC)

    @property
    def is_department_staff(self) -> bool:
        """Staff of a department (editor or manager), as opposed to the public."""
        return self.is_active and self.department_id is not None and self.role in (
            self.Role.EDITOR,
            self.Role.MANAGER,
        )

    @property
    def is_platform_admin(self) -> bool:
        return self.is_active and (self.is_superuser or self.role == self.Role.ADMIN)
