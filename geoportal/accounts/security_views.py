"""The signed-in person's security pages: the second factor (give it, enrol a device, renew the
recovery codes) and sign-out everywhere. Codes and keys are shown once, in the response that
makes them."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from geoportal.accounts import twofactor
from geoportal.accounts.sessions import sessions_end_all


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                              require_https=request.is_secure())
    return target if allowed else "/"


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request):
    """Sign-in's second step: a code from the authenticator app, or one recovery code."""
    if request.user.is_verified():
        return redirect(_next(request))
    if not twofactor.has_second_factor(request.user):
        return redirect(f"/accounts/two-factor/setup/?{urlencode({'next': _next(request)})}")
    error = None
    if request.method == "POST":
        device = twofactor.second_factor_check(request.user, request.POST.get("code", ""))
        if device is None:
            error = "The code is wrong or has expired. / 验证码错误或已过期。"
        else:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                messages.warning(request, f"A recovery code was used; {twofactor.recovery_codes_left(request.user)} "
                                          "are left. Renew them on the security page. / 已使用一个恢复码。")
            return redirect(_next(request))
    return render(request, "registration/two_factor.html", {"error": error, "next": _next(request)},
                  status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Enrol an authenticator app: QR code and key, then a code from the app confirms it. Someone
    who already has a device gives its code first (a password alone does not replace a device)."""
    user = request.user
    if twofactor.has_second_factor(user) and not user.is_verified():
        return redirect(f"/accounts/two-factor/?{urlencode({'next': request.get_full_path()})}")
    device = twofactor.enrolment_device(user)
    error = None
    if request.method == "POST":
        codes = twofactor.enrolment_confirm(user=user, device=device, code=request.POST.get("code", ""))
        if codes is not None:
            otp_login(request, device)
            return render(request, "registration/recovery_codes.html", {"codes": codes, "next": _next(request)})
        error = "The code is wrong or has expired: check the phone's clock. / 验证码错误或已过期，请检查手机时间。"
    return render(request, "registration/two_factor_setup.html", {
        "qr_svg": twofactor.enrolment_qr_svg(device), "key": twofactor.enrolment_key(device),
        "error": error, "next": _next(request),
    }, status=400 if error else 200)


@login_required
def account_security(request):
    user = request.user
    return render(request, "registration/account_security.html", {
        "has_device": twofactor.has_second_factor(user), "recovery_left": twofactor.recovery_codes_left(user),
    })


@login_required
@require_POST
def recovery_codes_renew(request):
    if not request.user.is_verified():
        return redirect("/accounts/two-factor/?next=/accounts/security/")
    codes = twofactor.recovery_codes_renew(request.user)
    return render(request, "registration/recovery_codes.html", {"codes": codes, "next": "/accounts/security/"})


@login_required
@require_POST
def sign_out_everywhere(request):
    """End every session of the signed-in user, this one included."""
    sessions_end_all(request.user)
    logout(request)
    messages.success(request, "Signed out on every device. / 已在所有设备上退出登录。")
    return redirect("login")
