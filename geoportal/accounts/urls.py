"""Sign-in with lock-out, the second factor, sign-out everywhere; the rest of Django's auth views
(logout, password change) unchanged."""
from django.contrib.auth import views as auth_views
from django.urls import include, path

from geoportal.accounts import security_views
from geoportal.accounts.lockout import LockoutAuthenticationForm

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(authentication_form=LockoutAuthenticationForm), name="login"),
    path("two-factor/", security_views.two_factor, name="two_factor"),
    path("two-factor/setup/", security_views.two_factor_setup, name="two_factor_setup"),
    path("security/", security_views.account_security, name="account_security"),
    path("security/recovery-codes/", security_views.recovery_codes_renew, name="recovery_codes_renew"),
    path("security/sign-out-everywhere/", security_views.sign_out_everywhere, name="sign_out_everywhere"),
    path("", include("django.contrib.auth.urls")),
]
