"""Sign-in with lock-out; the rest of Django's auth views (logout, password change) unchanged."""
from django.contrib.auth import views as auth_views
from django.urls import include, path

from geoportal.accounts.lockout import LockoutAuthenticationForm

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(authentication_form=LockoutAuthenticationForm), name="login"),
    path("", include("django.contrib.auth.urls")),
]
