#!/usr/bin/python3
"""Generate the LDIF for the spntrust lab's scale mode (lab.sh up with SCALE=N).

Writes LDIF files that lab.sh imports with ldbadd into the STOPPED DCs'
sam.ldb (the full Samba module stack runs: SIDs, SPN uniqueness, password
hashing), far faster than one samba-tool call per object. Deterministic: the
same N gives the same objects, so a re-run after an interrupted import is
detected (the marker) rather than guessed.

Mix for N accounts in lab.test, all under OU=Scale:
  ~85% users  su<k>        no SPNs, enabled, no password (no keys: nothing asks for them)
  ~15% computers SC<k>     enabled workstation (0x1000), dNSHostName, HOST/sc<k> and
                           HOST/sc<k>.lab.test, enctypes 0x1C, A record; a password
                           (Kerberos keys) only with --computer-passwords (costly)
  3% of N users hold SPNs (with a password, AES only), alternating:
      MSSQLSvc/sc<j>.lab.test:1433 on a computer's host   (healthy: not aliased)
      HTTP/sa<k>.lab.test + HTTP/sa<k>, sa<k> an A record  (healthy)
  seeded misconfigurations at scale (a fixed fraction, at least one each):
      user HTTP SPN shadowing a computer's HOST (HTTP/sc<j>.lab.test + short)  ~0.2% of N
      disabled SPN holders (0x10202, MSSQLSvc/sc<j>.lab.test:1434)             ~0.1% of N
      cross-forest duplicate MSSQLSvc/sc<j>.lab.test:1533 on a lab.test user and
      on a partner.test user (OU=Scale there)                                 ~0.1% of N
DNS: an A record per computer host and per sa<k> alias host, as dnsNode objects
in DC=DomainDnsZones (what the DNS server reads), addresses 127.1.x.y, and the
matching PTR records in a reverse zone 1.127.in-addr.arpa created the same way
(a dnsZone object and its apex node with SOA and NS), as hosts that register
themselves in AD-integrated DNS have
(127.1.0.1 upwards: outside LAB_HOSTNET, nothing listens there). No PTRs.
"""

import argparse
import base64
import os
import sys

from samba.dcerpc import dnsp
from samba.ndr import ndr_pack

ENC_AES = 0x18
ENC_COMPUTER = 0x1C
UF_NORMAL = 0x200
UF_DONT_EXPIRE = 0x10000
UF_DISABLED = 0x2
UF_WORKSTATION = 0x1000


def b64(data):
    return base64.b64encode(data).decode()


def pwd(password):
    return b64(('"%s"' % password).encode("utf-16-le"))


def record(rtype, data):
    r = dnsp.DnssrvRpcRecord()
    r.wType = rtype
    r.rank = dnsp.DNS_RANK_ZONE
    r.dwSerial = 1
    r.dwTtlSeconds = 900
    r.dwTimeStamp = 0  # static record
    r.data = data
    return b64(ndr_pack(r))


def soa(primary, admin):
    s = dnsp.soa()
    s.mname, s.rname = primary, admin
    s.serial, s.refresh, s.retry, s.expire, s.minimum = 1, 900, 600, 86400, 3600
    return s


REVERSE_ZONE = "1.127.in-addr.arpa"


def ip_for(n):
    """n-th scale host address: 127.1.0.1, 127.1.0.2, ... (skips .0 and .255)."""
    hi, lo = divmod(n, 254)
    if hi > 255:
        raise SystemExit("too many scale hosts for 127.1.0.0/16")
    return "127.1.%d.%d" % (hi, lo + 1)


class Plan:
    def __init__(self, n, domain):
        self.n = n
        self.domain = domain
        self.computers = max(1, n * 15 // 100)
        self.users = n - self.computers
        self.spn_users = max(4, n * 3 // 100)
        self.shadow = max(1, n * 2 // 1000)
        self.disabled = max(1, n // 1000)
        self.dup = max(1, n // 1000)
        # a stride coprime with the number of computers: every SPN user gets
        # its own computer (Samba refuses a duplicate SPN within a domain)
        self.stride = 7919 if self.computers % 7919 else 7907
        if self.spn_users > self.computers:
            raise SystemExit("SCALE too small for the mix")

    def comp(self, j):
        return "sc%06d" % j

    def user(self, k):
        return "su%06d" % k


def entry(lines, out):
    out.write("\n".join(lines) + "\n\n")


def write_lab(plan, base, password, computer_passwords, out, dns_out, dns_base):
    d = plan.domain
    ou = "OU=Scale,%s" % base
    entry(["dn: %s" % ou, "objectClass: organizationalUnit", "ou: Scale",
           "description: spntrust lab scale mode (lab.sh up SCALE=%d)" % plan.n], out)
    hostno = 0
    dns = []
    # computers first: Samba refuses HOST/x after HTTP/x on another account
    for j in range(1, plan.computers + 1):
        c = plan.comp(j)
        lines = ["dn: CN=%s,%s" % (c.upper(), ou), "objectClass: computer",
                 "sAMAccountName: %s$" % c.upper(),
                 "userAccountControl: %d" % UF_WORKSTATION,
                 "dNSHostName: %s.%s" % (c, d),
                 "servicePrincipalName: HOST/%s" % c,
                 "servicePrincipalName: HOST/%s.%s" % (c, d),
                 "msDS-SupportedEncryptionTypes: %d" % ENC_COMPUTER,
                 "description: scale computer"]
        if computer_passwords:
            lines.append("unicodePwd:: %s" % pwd("%s-%s" % (password, c)))
        entry(lines, out)
        dns.append((c, ip_for(hostno)))
        hostno += 1
    # users; SPN holders spread evenly through them
    step = max(1, plan.users // plan.spn_users)
    spn_index = 0
    kinds = (["shadow"] * plan.shadow + ["disabled"] * plan.disabled + ["dup"] * plan.dup)
    dups = []
    for k in range(1, plan.users + 1):
        u = plan.user(k)
        uac = UF_NORMAL | UF_DONT_EXPIRE
        spns, desc, enc, with_pw = [], "scale user", None, False
        if (k - 1) % step == 0 and spn_index < plan.spn_users:
            kind = kinds[spn_index] if spn_index < len(kinds) else ("sql" if spn_index % 2 else "http")
            # target computer for SQL/shadow/dup: spread over the computers
            j = 1 + (spn_index * plan.stride) % plan.computers
            c = plan.comp(j)
            if kind == "sql":
                spns = ["MSSQLSvc/%s.%s:1433" % (c, d)]
                desc = "scale SQL service account (healthy)"
            elif kind == "http":
                alias = "sa%06d" % k
                spns = ["HTTP/%s.%s" % (alias, d), "HTTP/%s" % alias]
                dns.append((alias, ip_for(hostno)))
                hostno += 1
                desc = "scale web service account, A-record host (healthy)"
            elif kind == "shadow":
                spns = ["HTTP/%s.%s" % (c, d), "HTTP/%s" % c]
                desc = "SEED SPN-USER-HOST-ALIAS at scale: HTTP on a user while %s$ holds HOST" % c.upper()
            elif kind == "disabled":
                spns = ["MSSQLSvc/%s.%s:1434" % (c, d)]
                uac |= UF_DISABLED
                desc = "SEED SPN-ACCOUNT-DISABLED at scale"
            elif kind == "dup":
                spn = "MSSQLSvc/%s.%s:1533" % (c, d)
                spns = [spn]
                dups.append(spn)
                desc = "SEED SPN-DUPLICATE at scale: also on a PARTNER scale user"
            enc, with_pw = ENC_AES, True
            spn_index += 1
        lines = ["dn: CN=%s,%s" % (u, ou), "objectClass: user", "sAMAccountName: %s" % u,
                 "userAccountControl: %d" % uac, "description: %s" % desc]
        lines += ["servicePrincipalName: %s" % s for s in spns]
        if enc is not None:
            lines.append("msDS-SupportedEncryptionTypes: %d" % enc)
        if with_pw:
            lines.append("unicodePwd:: %s" % pwd(password))
        entry(lines, out)
    # DNS nodes in the lab.test zone
    for name, ip in dns:
        entry(["dn: DC=%s,%s" % (name, dns_base), "objectClass: top", "objectClass: dnsNode",
               "name: %s" % name, "dnsRecord:: %s" % record(dnsp.DNS_TYPE_A, ip)], dns_out)
    # The reverse zone of the scale hosts' addresses, and their PTRs.
    dc = "dc1.%s" % d
    rev_base = "DC=%s,%s" % (REVERSE_ZONE, dns_base.split(",", 1)[1])
    entry(["dn: %s" % rev_base, "objectClass: top", "objectClass: dnsZone", "name: %s" % REVERSE_ZONE], dns_out)
    entry(["dn: DC=@,%s" % rev_base, "objectClass: top", "objectClass: dnsNode", "name: @",
           "dnsRecord:: %s" % record(dnsp.DNS_TYPE_SOA, soa(dc, "hostmaster.%s" % d)),
           "dnsRecord:: %s" % record(dnsp.DNS_TYPE_NS, dc)], dns_out)
    for name, ip in dns:
        o = ip.split(".")
        node = "%s.%s" % (o[3], o[2])
        entry(["dn: DC=%s,%s" % (node, rev_base), "objectClass: top", "objectClass: dnsNode",
               "name: %s" % node, "dnsRecord:: %s" % record(dnsp.DNS_TYPE_PTR, "%s.%s" % (name, d))], dns_out)
    return dups, len(dns)


def write_partner(base, password, dups, out):
    ou = "OU=Scale,%s" % base
    entry(["dn: %s" % ou, "objectClass: organizationalUnit", "ou: Scale",
           "description: spntrust lab scale mode: cross-forest duplicates"], out)
    for i, spn in enumerate(dups, 1):
        entry(["dn: CN=sp%06d,%s" % (i, ou), "objectClass: user", "sAMAccountName: sp%06d" % i,
               "userAccountControl: %d" % (UF_NORMAL | UF_DONT_EXPIRE),
               "description: SEED SPN-DUPLICATE at scale: same SPN as a LAB scale user",
               "servicePrincipalName: %s" % spn, "msDS-SupportedEncryptionTypes: %d" % ENC_AES,
               "unicodePwd:: %s" % pwd(password)], out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--domain", default="lab.test")
    ap.add_argument("--partner", default="partner.test")
    ap.add_argument("--computer-passwords", action="store_true")
    args = ap.parse_args()
    if args.n < 10:
        raise SystemExit("SCALE must be at least 10")
    password = open(args.password_file).read().strip()
    dn = lambda dom: ",".join("DC=" + p for p in dom.split("."))
    base = dn(args.domain)
    plan = Plan(args.n, args.domain)
    os.makedirs(args.out_dir, exist_ok=True)
    dns_base = "DC=%s,CN=MicrosoftDNS,DC=DomainDnsZones,%s" % (args.domain, base)
    with open(os.path.join(args.out_dir, "lab.ldif"), "w") as out, \
            open(os.path.join(args.out_dir, "lab-dns.ldif"), "w") as dns_out:
        dups, hosts = write_lab(plan, base, password, args.computer_passwords, out, dns_out, dns_base)
    with open(os.path.join(args.out_dir, "partner.ldif"), "w") as out:
        write_partner(dn(args.partner), password, dups, out)
    print("users %d (with SPNs %d) computers %d dns hosts %d partner duplicates %d" %
          (plan.users, plan.spn_users, plan.computers, hosts, len(dups)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
