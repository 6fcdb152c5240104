"""The client's address behind a reverse proxy (TRUSTED_PROXIES; docs/cluster.md).

Behind nginx every request comes from the proxy's address, so the per-address limits (sign-in
lockout, API and annotation rates) and the /metrics allow-list would see one client. When the
direct peer is a trusted proxy, its X-Forwarded-For, which deploy/nginx/proxy.conf sets to the
address nginx saw (replacing whatever the client sent), becomes REMOTE_ADDR. From any other peer
the header is ignored: a client cannot choose its own address.
"""
import ipaddress

from django.conf import settings


class ForwardedForMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.proxies = [ipaddress.ip_network(net, strict=False) for net in settings.TRUSTED_PROXIES]

    def __call__(self, request):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
        if forwarded and self.proxies and self._trusted(request.META.get("REMOTE_ADDR", "")):
            client = forwarded.split(",")[-1].strip()  # the entry our proxy appended or set
            try:
                request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(client))
            except ValueError:
                pass  # not an address: the proxy's own stays
        return self.get_response(request)

    def _trusted(self, peer: str) -> bool:
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in net for net in self.proxies)
