#!/usr/bin/python3
"""Hostile directory data for issue 11 (opt-in: lab.sh seed-hostile / unseed-hostile).

Everything lives under OU=Hostile,DC=lab,DC=test on DC1, written through the
DC's local sam.ldb while it runs (as seed.py does), so `unseed-hostile`
removes it with one subtree delete. What Samba refused is logged and listed
in the OU's description ("refused: ...") so tests can tell what exists.
"""

import argparse
import sys

import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

VERSION = "hostile-v2"
MANY_SPNS = 3000


def log(msg):
    print(msg, flush=True)


def objects(domain):
    """(rdn, objectClass, attrs) in creation order; attr values are str or bytes."""
    d = domain
    long_label = "l" * 63
    long_host = ".".join([long_label] * 3) + "." + d  # 3*63+2+len(d) > 200 chars
    return [
        ("CN=hostile-manyspn", "user", {
            "sAMAccountName": "hostile-manyspn",
            "description": "HOSTILE: %d SPNs on one account" % MANY_SPNS,
            "servicePrincipalName": ["HTTP/many%05d.%s" % (i, d) for i in range(MANY_SPNS)],
        }),
        ("CN=hostile-longattr", "user", {
            "sAMAccountName": "hostile-longattr",
            "description": "HOSTILE: very long values (see below)",
            "servicePrincipalName": ["HTTP/%s" % long_host, "HTTP/%s:65535/%s" % (long_host, "n" * 200),
                                     "HTTP/%s.%s" % ("h" * 20000, d)],
        }),
        ("CN=hostile-badutf8", "user", {
            "sAMAccountName": "hostile-badutf8",
            # invalid UTF-8: a lone continuation byte, an overlong encoding, 0xFF
            "description": "HOSTILE: invalid UTF-8 (written raw below)",
            "servicePrincipalName": ["HTTP/badutf8.%s" % d],
        }),
        ("CN=hostile-control", "user", {
            "sAMAccountName": "hostile-control",
            # terminal escape, right-to-left override, CR/LF, tab, NUL-free
            "description": "HOSTILE: \x1b[31mred\x1b[0m \u202eevil\u202c line1\r\nline2\tend",
            "servicePrincipalName": ["HTTP/ctl\x01host.%s" % d, "HTTP/ünïcode.%s" % d,
                                     "HTTP/tab\thost.%s" % d],
        }),
        ("CN=hostile-nohost", "computer", {
            "sAMAccountName": "HOSTILE-NOHOST$",
            "userAccountControl": "4096",
            "description": "HOSTILE: computer without dNSHostName, odd SPNs",
            "servicePrincipalName": ["HOST/", "/", "HOST//", "HOST/nohost.%s:" % d,
                                     "HOST/nohost.%s:99999999999" % d, "HOST/[::1]:88"],
        }),
        ("CN=hostile-emptyish", "user", {
            "sAMAccountName": "hostile-emptyish",
            "servicePrincipalName": ["x/y"],
        }),
    ]


def add_one(samdb, dn, oc, attrs):
    """Add with everything; on refusal retry attribute by attribute, report what was refused."""
    refused = []
    base = {"dn": dn, "objectClass": oc}
    base.update({k: v for k, v in attrs.items() if k in ("sAMAccountName", "userAccountControl")})
    samdb.add(base)
    for k, v in attrs.items():
        if k in base:
            continue
        vals = v if isinstance(v, list) else [v]
        m = ldb.Message(ldb.Dn(samdb, dn))
        m[k] = ldb.MessageElement(vals, ldb.FLAG_MOD_REPLACE, k)
        try:
            samdb.modify(m)
            continue
        except ldb.LdbError as e:
            if len(vals) == 1:
                refused.append("%s on %s (%s)" % (k, dn.split(",")[0], e.args[-1]))
                continue
        for one in vals:  # multi-valued: keep what Samba accepts
            m = ldb.Message(ldb.Dn(samdb, dn))
            m[k] = ldb.MessageElement([one], ldb.FLAG_MOD_ADD, k)
            try:
                samdb.modify(m)
            except ldb.LdbError as e:
                refused.append("%s %r on %s (%s)" % (k, one if isinstance(one, str) else one.decode("latin-1"),
                                                   dn.split(",")[0], e.args[-1]))
    return refused


def raw_replace(target, dn, attr, value):
    """Write attr below Samba's module stack (no syntax or rangeUpper checks),
    straight into the domain partition's ldb file: what a directory can hold
    when another implementation (or an unpaired UTF-16 surrogate on Windows,
    which LDAP then serves as invalid UTF-8) wrote it."""
    import glob
    base = dn[dn.upper().index(",DC=") + 1:].upper()
    path = glob.glob("%s/private/sam.ldb.d/%s.ldb" % (target, base))[0]
    raw = ldb.Ldb(url="tdb://" + path, options=["modules:"])
    m = ldb.Message(ldb.Dn(raw, dn))
    m[attr] = ldb.MessageElement([value], ldb.FLAG_MOD_REPLACE, attr)
    raw.modify(m)


# What Samba refuses through its module stack, written raw afterwards.
RAW = [
    ("CN=hostile-longattr", "description", "HOSTILE: very long value " + "x" * 100000),
    ("CN=hostile-longattr", "displayName", "D" * 20000),
    ("CN=hostile-badutf8", "description", b"HOSTILE: invalid UTF-8 \x80 \xc0\xaf \xed\xa0\x80 \xff\xfe end"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True, help="DC1's provision directory")
    ap.add_argument("--domain", required=True)
    ap.add_argument("--remove", action="store_true")
    args = ap.parse_args()
    lp = LoadParm()
    lp.load(args.target + "/etc/smb.conf")
    samdb = SamDB(url=args.target + "/private/sam.ldb", session_info=system_session(), lp=lp)
    ou = "OU=Hostile,%s" % samdb.domain_dn()
    res = samdb.search(samdb.domain_dn(), scope=ldb.SCOPE_ONELEVEL, expression="(ou=Hostile)",
                       attrs=["description"])
    if res and (args.remove or not str(res[0].get("description", [b""])[0]).startswith(VERSION)):
        samdb.delete(ou, ["tree_delete:1"])
        log("removed %s" % ou)
        res = []
    if args.remove:
        return 0
    if res:
        log("%s already seeded (%s)" % (ou, VERSION))
        return 0
    samdb.add({"dn": ou, "objectClass": "organizationalUnit", "description": VERSION + " (adding)"})
    refused = []
    for rdn, oc, attrs in objects(args.domain):
        refused += add_one(samdb, "%s,%s" % (rdn, ou), oc, attrs)
        log("added %s" % rdn)
    for r in refused:
        log("REFUSED %s" % r)
    for rdn, attr, value in RAW:
        raw_replace(args.target, "%s,%s" % (rdn, ou), attr, value)
        log("raw %s on %s (%d bytes, below Samba's checks)" % (attr, rdn, len(value)))
    m = ldb.Message(ldb.Dn(samdb, ou))
    m["description"] = ldb.MessageElement(
        "%s; refused: %s" % (VERSION, "; ".join(refused) if refused else "nothing"),
        ldb.FLAG_MOD_REPLACE, "description")
    samdb.modify(m)
    log("hostile data seeded under %s" % ou)
    return 0


if __name__ == "__main__":
    sys.exit(main())
