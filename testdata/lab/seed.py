#!/usr/bin/python3
"""Seed the spntrust Samba AD lab with SPN misconfigurations and healthy twins.

Run by lab.sh after the trusts exist. Idempotent: existing objects are updated
to the desired state, never duplicated. Accounts are written through each DC's
local sam.ldb (the full Samba module stack: SPN uniqueness, password hashing);
DNS zones and records go through the DC's DNS RPC server, as samba-tool does.

The seeded conditions are documented in README.md next to this file; the
integration test internal/labenv/lab_test.go reads them back.
"""

import argparse
import sys

import ldb
from samba import dsdb
from samba.auth import system_session
from samba.credentials import Credentials, DONT_USE_KERBEROS
from samba.dcerpc import dnsp, dnsserver
from samba.dnsserver import record_from_string
from samba.param import LoadParm
from samba.ndr import ndr_pack
from samba.samdb import SamDB
import samba.werror as werror
from samba import WERRORError

ENC_AES = 0x18  # AES128 + AES256
ENC_RC4 = 0x4
ENC_COMPUTER = 0x1C  # what a Windows join writes: RC4 + AES128 + AES256

# Host part (last octet in LAB_HOSTNET) of every seeded A record, per domain.
HOSTS = {
    "lab.test": {
        "mp01": 10, "mp02": 16, "web01": 11, "web02": 12, "file01": 13, "sql01": 14, "sql02": 15,
        "app03": 20, "app04": 21, "app05": 22, "old": 23, "live": 24, "intra": 25,
        "legacy": 26, "modern": 27, "bad": 28, "ntonly": 29, "aeskeys": 30,
    },
    "partner.test": {"app21": 40},
    "extern.test": {"ext31": 50},
}
CNAMES = {"lab.test": {"portal": "app04.lab.test"}}
# A records on another host's address, with no PTR of their own: the
# address's PTR names that other host (SPN-DNS-PTR).
SHARED_A = {"lab.test": {"shared": "file01"}}
# DNS edge cases for spntrust's zone reader, named by no SPN (so they make no
# findings): a wildcard, a two-label node (deep.lab.test then exists only as
# its parent), and a deleted record (Samba keeps the node, tombstoned).
EDGE_A = {"lab.test": {"*.wild": 31, "host.deep": 32}}
TOMBSTONED_A = {"lab.test": {"gone": 33}}

# Computers: healthy, enabled, with a password and HOST/<short> + HOST/<fqdn>.
COMPUTERS = {
    "lab.test": ["MP01", "MP02", "WEB01", "WEB02", "FILE01", "SQL01", "SQL02"],
    "partner.test": ["APP21"],
    "extern.test": ["EXT31"],
}

# Users: (name, SPNs, enctypes or None for unset, disabled, description)
USERS = {
    "lab.test": [
        ("svc-mpweb", ["HTTP/mp01.lab.test", "HTTP/mp01"], ENC_AES, False,
         "SEED SPN-USER-HOST-ALIAS: HTTP on a user while computer MP01 holds HOST/mp01"),
        ("svc-web02", ["HTTP/web02.lab.test:81", "HTTP/web02:81"], ENC_AES, False,
         "TWIN (remediated form): port-qualified HTTP SPN; computer WEB02 keeps HOST"),
        ("svc-ghost", ["HTTP/ghost.lab.test"], ENC_AES, False,
         "SEED SPN-DNS-MISSING: ghost.lab.test has no DNS record"),
        ("svc-app03", ["HTTP/app03.lab.test", "HTTP/app03"], ENC_AES, False,
         "TWIN of svc-ghost: app03 has an A record, no computer account"),
        ("svc-portal", ["HTTP/portal.lab.test", "HTTP/portal"], ENC_AES, False,
         "SEED SPN-DNS-CNAME: portal.lab.test is a CNAME for app04.lab.test"),
        ("svc-app05", ["HTTP/app05.lab.test", "HTTP/app05"], ENC_AES, False,
         "TWIN of svc-portal: app05 is an A record (canonical name)"),
        ("svc-old", ["HTTP/old.lab.test", "HTTP/old"], ENC_AES, True,
         "SEED SPN-ACCOUNT-DISABLED: disabled account holding an SPN"),
        ("svc-live", ["HTTP/live.lab.test", "HTTP/live"], ENC_AES, False,
         "TWIN of svc-old: same shape, enabled"),
        ("svc-sql", ["MSSQLSvc/sql01.lab.test:1433"], None, False,
         "SEED SPN-DUPLICATE (also on PARTNER\\svc-sql) and SPN-KERBEROASTABLE (enctypes unset)"),
        ("svc-sql2", ["MSSQLSvc/sql02.lab.test:1433"], ENC_AES, False,
         "TWIN of svc-sql: unique SPN, AES only"),
        ("svc-rc4", ["HTTP/legacy.lab.test", "HTTP/legacy"], ENC_RC4, False,
         "SEED SPN-KERBEROASTABLE: RC4-only service account"),
        ("svc-aes", ["HTTP/modern.lab.test", "HTTP/modern"], ENC_AES, False,
         "TWIN of svc-rc4: AES only"),
        ("svc-ntonly", ["HTTP/ntonly.lab.test", "HTTP/ntonly"], None, False,
         "SEED KRB-AES-KEYS-MISSING: enctypes unset and only an NT hash, no AES keys "
         "(a password last set before the domain made AES keys): no ticket from an RC4-removed DC"),
        ("svc-aeskeys", ["HTTP/aeskeys.lab.test", "HTTP/aeskeys"], None, False,
         "TWIN of svc-ntonly: enctypes unset, AES keys"),
        ("svc-intra", ["HTTP/intra.lab.test"], ENC_AES, False,
         "SEED SPN-SHORTNAME-PAIR: HTTP/intra.lab.test without HTTP/intra"),
        ("svc-shared", ["HTTP/shared.lab.test", "HTTP/shared"], ENC_AES, False,
         "SEED SPN-DNS-PTR: shared.lab.test is on file01's address, whose PTR names file01"),
        # Samba refuses "HTTP/http://bad.lab.test" ("invalid with 4 components");
        # these three malformed forms are accepted, as Windows accepts them.
        ("svc-bad", ["http://bad.lab.test", "HTTP/bad.lab.test:eighty", "HTTP/bad lab.test"],
         ENC_AES, False,
         "SEED SPN-MALFORMED: a URL written as an SPN, a non-numeric port, a space"),
    ],
    "partner.test": [
        ("svc-sql", ["MSSQLSvc/sql01.lab.test:1433"], ENC_AES, False,
         "SEED SPN-DUPLICATE: same SPN as LAB\\svc-sql, across the forest trust"),
    ],
    "extern.test": [],
}


# Accounts left with only an NT hash (no AES keys), as an account whose
# password was last set before the domain generated AES keys: pdbedit
# --set-nt-hash drops the Kerberos keys Samba derived from the password
# (its supplementalCredentials). The hash is of no known password.
NT_HASH_ONLY = {"lab.test": ["svc-ntonly"]}


# ---- Configuration Manager schema extension (what extadsch.exe adds) --------
# cn, lDAPDisplayName and the class/attribute set are Microsoft's (the
# extadsch.log / "Active Directory attributes and classes" list; the
# lDAPDisplayNames as ConfigMgr tooling queries them). The attributeID and
# governsID OIDs of ConfigMgr_ad_schema.ldf were not found in any reference
# available here, so they are INVENTED: a private arc made the way Microsoft's
# oidgen.vbs makes one (1.2.840.113556.1.8000.2554 + a random GUID split into
# decimal parts: d87c3ed2-b26a-4ad9-b4cc-609bb4400d2a), .1.N for attributes,
# .2.N for classes. Syntaxes are plausible, not verified against the .ldf.
CM_OID = "1.2.840.113556.1.8000.2554.55420.16082.45674.19161.46284.6331316.4197674"
STR, BOOL, INT = ("2.5.5.12", 64), ("2.5.5.8", 1), ("2.5.5.9", 2)
# (cn, lDAPDisplayName, syntax, single-valued)
CM_ATTRS = [
    ("MS-SMS-Site-Code", "mSSMSSiteCode", STR, True),
    ("mS-SMS-Assignment-Site-Code", "mSSMSAssignmentSiteCode", STR, False),
    ("MS-SMS-Site-Boundaries", "mSSMSSiteBoundaries", STR, False),
    ("MS-SMS-Roaming-Boundaries", "mSSMSRoamingBoundaries", STR, False),
    ("MS-SMS-Default-MP", "mSSMSDefaultMP", BOOL, True),
    ("mS-SMS-Device-Management-Point", "mSSMSDeviceManagementPoint", BOOL, True),
    ("MS-SMS-MP-Name", "mSSMSMPName", STR, True),
    ("MS-SMS-MP-Address", "mSSMSMPAddress", STR, True),
    ("mS-SMS-Health-State", "mSSMSHealthState", INT, True),
    ("mS-SMS-Source-Forest", "mSSMSSourceForest", STR, True),
    ("MS-SMS-Ranged-IP-Low", "mSSMSRangedIPLow", INT, True),
    ("MS-SMS-Ranged-IP-High", "mSSMSRangedIPHigh", INT, True),
    ("mS-SMS-Version", "mSSMSVersion", INT, True),
    ("mS-SMS-Capabilities", "mSSMSCapabilities", STR, True),
]
# (cn, lDAPDisplayName, mayContain)
CM_CLASSES = [
    ("MS-SMS-Management-Point", "mSSMSManagementPoint",
     ["mSSMSSiteCode", "mSSMSMPName", "mSSMSMPAddress", "mSSMSDefaultMP",
      "mSSMSDeviceManagementPoint", "mSSMSVersion", "mSSMSCapabilities",
      "mSSMSSourceForest", "dNSHostName"]),
    ("MS-SMS-Server-Locator-Point", "mSSMSServerLocatorPoint",
     ["mSSMSSiteCode", "mSSMSMPName", "dNSHostName"]),
    ("MS-SMS-Site", "mSSMSSite",
     ["mSSMSSiteCode", "mSSMSAssignmentSiteCode", "mSSMSSiteBoundaries",
      "mSSMSRoamingBoundaries", "mSSMSSourceForest", "mSSMSHealthState"]),
    ("MS-SMS-Roaming-Boundary-Range", "mSSMSRoamingBoundaryRange",
     ["mSSMSSiteCode", "mSSMSRangedIPLow", "mSSMSRangedIPHigh"]),
]
CM_SITE = "LAB"
# Management points published for site LAB: MP01 is the seed's broken host
# (svc-mpweb's HTTP SPN shadows MP01$'s HOST); MP02 is the healthy one.
CM_MPS = [("mp01", True), ("mp02", False)]  # (host, mSSMSDefaultMP)
CM_CAPABILITIES = (
    "<ClientOperationalSettings><Version>5.00.9128.1000</Version><SecurityConfiguration>"
    "<SecurityModeMask>0</SecurityModeMask><SecurityModeMaskEx>0</SecurityModeMaskEx>"
    "<HTTPPort>80</HTTPPort><HTTPSPort>443</HTTPSPort></SecurityConfiguration>"
    "</ClientOperationalSettings>")


def log(msg):
    print(msg, flush=True)


class DC:
    def __init__(self, ip, domain, fqdn, target, password):
        self.ip = ip
        self.domain = domain
        self.fqdn = fqdn
        self.lp = LoadParm()
        self.smbconf = target + "/etc/smb.conf"
        self.lp.load(self.smbconf)
        # the ConfigMgr schema extension writes to the schema partition
        self.lp.set("dsdb:schema update allowed", "true")
        # LoadParm objects share global state in this process: read what is
        # needed now, before another DC's smb.conf is loaded.
        self.workgroup = self.lp.get("workgroup")
        self.samdb = SamDB(url=target + "/private/sam.ldb",
                           session_info=system_session(), lp=self.lp)
        self.base = self.samdb.domain_dn()
        self.password = password
        self._dns = None
        # Connect now: the RPC client picks up state from the most recently
        # loaded smb.conf (the workgroup), so binding after another DC's
        # configuration was loaded authenticated as the wrong domain's
        # Administrator (through the trust) and got WERR_ACCESS_DENIED.
        self.dns

    # ---- accounts ---------------------------------------------------------
    def find(self, sam):
        res = self.samdb.search(self.base, scope=ldb.SCOPE_SUBTREE,
                                expression="(sAMAccountName=%s)" % ldb.binary_encode(sam),
                                attrs=["userAccountControl", "servicePrincipalName",
                                       "msDS-SupportedEncryptionTypes", "dNSHostName",
                                       "description"])
        return res[0] if len(res) else None

    def set_attrs(self, msg, want):
        """Replace attributes whose value differs; None deletes."""
        m = ldb.Message(msg.dn)
        for attr, value in want.items():
            have = [str(v) for v in msg[attr]] if attr in msg else []
            if value is None:
                if have:
                    m[attr] = ldb.MessageElement([], ldb.FLAG_MOD_DELETE, attr)
                continue
            vals = value if isinstance(value, list) else [str(value)]
            if sorted(v.lower() for v in vals) != sorted(v.lower() for v in have):
                m[attr] = ldb.MessageElement(vals, ldb.FLAG_MOD_REPLACE, attr)
        if len(m) > 0:
            self.samdb.modify(m)

    def ensure_computer(self, name):
        short = name.lower()
        fqdn = "%s.%s" % (short, self.domain)
        sam = name + "$"
        msg = self.find(sam)
        if msg is None:
            dn = "CN=%s,CN=Computers,%s" % (name, self.base)
            self.samdb.add({
                "dn": dn,
                "objectClass": "computer",
                "sAMAccountName": sam,
                "userAccountControl": str(dsdb.UF_WORKSTATION_TRUST_ACCOUNT),
                "dNSHostName": fqdn,
            })
            self.samdb.setpassword("(sAMAccountName=%s)" % ldb.binary_encode(sam),
                                   self.password + "-" + short, False)
            log("%s: created computer %s" % (self.domain, name))
            msg = self.find(sam)
        self.set_attrs(msg, {
            "userAccountControl": dsdb.UF_WORKSTATION_TRUST_ACCOUNT,
            "dNSHostName": fqdn,
            "servicePrincipalName": ["HOST/%s" % short, "HOST/%s" % fqdn],
            "msDS-SupportedEncryptionTypes": ENC_COMPUTER,
            "description": "healthy computer: HOST SPNs, A and PTR records",
        })

    def ensure_user(self, name, spns, enctypes, disabled, description):
        msg = self.find(name)
        if msg is None:
            self.samdb.newuser(name, self.password, description=description)
            log("%s: created user %s" % (self.domain, name))
            msg = self.find(name)
        uac = dsdb.UF_NORMAL_ACCOUNT | dsdb.UF_DONT_EXPIRE_PASSWD
        if disabled:
            uac |= dsdb.UF_ACCOUNTDISABLE
        try:
            self.set_attrs(msg, {
                "servicePrincipalName": spns,
                "msDS-SupportedEncryptionTypes": enctypes,
                "userAccountControl": uac,
                "description": description,
            })
        except ldb.LdbError as e:
            # Samba may refuse an SPN (e.g. a malformed one): keep the account,
            # report the refusal, and leave it to the README/test to decide.
            log("%s: REFUSED %s on %s: %s" % (self.domain, spns, name, e.args[-1]))
            self.set_attrs(msg, {
                "msDS-SupportedEncryptionTypes": enctypes,
                "userAccountControl": uac,
                "description": description,
            })

    def ensure_nt_hash_only(self, name, smbconf):
        """Leave name with only an NT hash: no AES (or any Kerberos-newer) keys."""
        import hashlib
        import subprocess
        nt = hashlib.sha256(("spntrust-lab-nt-only:" + self.domain + ":" + name).encode()).hexdigest()[:32]
        subprocess.run(["pdbedit", "-s", smbconf, "-u", name, "--set-nt-hash=" + nt],
                       check=True, stdout=subprocess.DEVNULL)
        log("%s: %s now has only an NT hash" % (self.domain, name))

    # ---- ConfigMgr --------------------------------------------------------
    def schema_has(self, name):
        return len(self.samdb.search(self.samdb.get_schema_basedn(), scope=ldb.SCOPE_ONELEVEL,
                                     expression="(lDAPDisplayName=%s)" % name, attrs=["cn"])) > 0

    def schema_update_now(self):
        m = ldb.Message(ldb.Dn(self.samdb, ""))
        m["schemaUpdateNow"] = ldb.MessageElement("1", ldb.FLAG_MOD_ADD, "schemaUpdateNow")
        self.samdb.modify(m)

    def ensure_configmgr_schema(self):
        """Extend the schema the way extadsch.exe does (idempotent)."""
        schema = self.samdb.get_schema_basedn()
        added = False
        for n, (cn, name, (syntax, om), single) in enumerate(CM_ATTRS, 1):
            if self.schema_has(name):
                continue
            self.samdb.add({
                "dn": "CN=%s,%s" % (cn, schema), "objectClass": ["top", "attributeSchema"],
                "cn": cn, "attributeID": "%s.1.%d" % (CM_OID, n), "attributeSyntax": syntax,
                "oMSyntax": str(om), "isSingleValued": "TRUE" if single else "FALSE",
                "lDAPDisplayName": name, "adminDisplayName": cn, "searchFlags": "0",
            })
            added = True
        if added:
            self.schema_update_now()
        for n, (cn, name, may) in enumerate(CM_CLASSES, 1):
            if self.schema_has(name):
                continue
            self.samdb.add({
                "dn": "CN=%s,%s" % (cn, schema), "objectClass": ["top", "classSchema"],
                "cn": cn, "governsID": "%s.2.%d" % (CM_OID, n), "lDAPDisplayName": name,
                "adminDisplayName": cn, "subClassOf": "serviceConnectionPoint",
                "objectClassCategory": "1", "mayContain": may, "possSuperiors": ["container"],
            })
            added = True
        if added:
            self.schema_update_now()
            log("%s: schema extended for Configuration Manager" % self.domain)

    def ensure_object(self, dn, objectclass, attrs):
        res = self.samdb.search(dn, scope=ldb.SCOPE_BASE, attrs=list(attrs)) \
            if self.exists(dn) else None
        if res is None:
            self.samdb.add(dict({"dn": dn, "objectClass": objectclass}, **attrs))
            log("%s: created %s" % (self.domain, dn))
            return
        self.set_attrs(res[0], attrs)

    def exists(self, dn):
        try:
            return len(self.samdb.search(dn, scope=ldb.SCOPE_BASE, attrs=["dn"])) == 1
        except ldb.LdbError as e:
            if e.args[0] == ldb.ERR_NO_SUCH_OBJECT:
                return False
            raise

    def ensure_configmgr(self):
        """System Management container, site LAB and its management points."""
        self.ensure_configmgr_schema()
        sm = "CN=System Management,CN=System,%s" % self.base
        self.ensure_object(sm, "container", {})
        self.ensure_object("CN=SMS-Site-%s,%s" % (CM_SITE, sm), "mSSMSSite", {
            "mSSMSSiteCode": CM_SITE, "mSSMSAssignmentSiteCode": CM_SITE,
            "mSSMSSourceForest": self.domain,
            "mSSMSRoamingBoundaries": "127.0.1.0/24",
        })
        for host, default in CM_MPS:
            fqdn = "%s.%s" % (host, self.domain)
            self.ensure_object("CN=SMS-MP-%s-%s,%s" % (CM_SITE, fqdn.upper(), sm), "mSSMSManagementPoint", {
                "mSSMSSiteCode": CM_SITE, "mSSMSMPName": fqdn.upper(), "dNSHostName": fqdn,
                "mSSMSDefaultMP": "TRUE" if default else "FALSE",
                "mSSMSDeviceManagementPoint": "FALSE", "mSSMSVersion": "11",
                "mSSMSCapabilities": CM_CAPABILITIES, "mSSMSSourceForest": self.domain,
            })

    # ---- DNS --------------------------------------------------------------
    @property
    def dns(self):
        if self._dns is None:
            creds = Credentials()
            creds.guess(self.lp)
            creds.set_username("Administrator")
            creds.set_domain(self.workgroup)
            creds.set_password(self.password)
            creds.set_kerberos_state(DONT_USE_KERBEROS)
            self._dns = dnsserver.dnsserver("ncacn_ip_tcp:%s[sign]" % self.ip, self.lp, creds)
        return self._dns

    def ensure_zone(self, zone):
        info = dnsserver.DNS_RPC_ZONE_CREATE_INFO_LONGHORN()
        info.pszZoneName = zone
        info.dwZoneType = dnsp.DNS_ZONE_TYPE_PRIMARY
        info.fAging = 0
        info.fDsIntegrated = 1
        info.fLoadExisting = 1
        info.dwDpFlags = dnsserver.DNS_DP_DOMAIN_DEFAULT
        try:
            self.dns.DnssrvOperation2(dnsserver.DNS_CLIENT_VERSION_LONGHORN, 0, self.ip, None,
                                      0, "ZoneCreate", dnsserver.DNSSRV_TYPEID_ZONE_CREATE, info)
            log("%s: created zone %s" % (self.domain, zone))
        except WERRORError as e:
            if e.args[0] != werror.WERR_DNS_ERROR_ZONE_ALREADY_EXISTS:
                raise

    def ensure_tombstoned(self, zone, name, rtype, data):
        """Leave name as a tombstoned node, as a DNS server leaves a deleted
        dynamic record until it is scavenged: dNSTombstoned TRUE and one
        tombstone record (type 0, the time of deletion). Samba's RPC delete
        removes the node outright, so the node is rewritten directly."""
        self.ensure_record(zone, name, rtype, data)
        dn = "DC=%s,DC=%s,CN=MicrosoftDNS,DC=DomainDnsZones,%s" % (name, zone, self.base)
        r = dnsp.DnssrvRpcRecord()
        r.wType = dnsp.DNS_TYPE_TOMBSTONE
        r.rank = dnsp.DNS_RANK_ZONE
        # The time of deletion, as NTTIME. Samba's scavenging deletes
        # tombstones a while after that time (one dated 2022 was gone within
        # minutes), so the lab's is dated 2105: it stays for the lab's life.
        r.data = 159060816000000000
        m = ldb.Message(ldb.Dn(self.samdb, dn))
        m["dnsRecord"] = ldb.MessageElement([ndr_pack(r)], ldb.FLAG_MOD_REPLACE, "dnsRecord")
        m["dNSTombstoned"] = ldb.MessageElement("TRUE", ldb.FLAG_MOD_REPLACE, "dNSTombstoned")
        self.samdb.modify(m)
        log("%s: %s tombstoned" % (zone, name))

    def ensure_record(self, zone, name, rtype, data):
        """Make data the only record of type rtype at name (A, PTR, CNAME)."""
        try:
            _, res = self.dns.DnssrvEnumRecords2(
                dnsserver.DNS_CLIENT_VERSION_LONGHORN, 0, self.ip, zone, name, None,
                rtype, dnsserver.DNS_RPC_VIEW_AUTHORITY_DATA, None, None)
            have = [r for r in res.rec[0].records if r.wType == rtype] if res and res.count else []
        except WERRORError as e:
            if e.args[0] != werror.WERR_DNS_ERROR_NAME_DOES_NOT_EXIST:
                raise
            have = []
        want = data.rstrip(".").lower()
        for r in have:
            value = r.data if rtype == dnsp.DNS_TYPE_A else r.data.str
            if str(value).rstrip(".").lower() == want:
                return
            dbuf = dnsserver.DNS_RPC_RECORD_BUF()
            dbuf.rec = r
            self.dns.DnssrvUpdateRecord2(dnsserver.DNS_CLIENT_VERSION_LONGHORN, 0, self.ip,
                                         zone, name, None, dbuf)
            log("%s: %s removed stale %s" % (zone, name, value))
        buf = dnsserver.DNS_RPC_RECORD_BUF()
        buf.rec = record_from_string(rtype, data)
        try:
            self.dns.DnssrvUpdateRecord2(dnsserver.DNS_CLIENT_VERSION_LONGHORN, 0, self.ip,
                                         zone, name, buf, None)
            log("%s: %s %s %s" % (zone, name, {dnsp.DNS_TYPE_A: "A", dnsp.DNS_TYPE_CNAME: "CNAME",
                                               dnsp.DNS_TYPE_PTR: "PTR"}.get(rtype, rtype), data))
        except WERRORError as e:
            if e.args[0] != werror.WERR_DNS_ERROR_RECORD_ALREADY_EXISTS:
                raise


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--hostnet", required=True, help="first three octets, e.g. 127.0.1")
    ap.add_argument("--dc", action="append", required=True,
                    help="IP,domain,fqdn,targetdir (DC1 first: it holds the reverse zones)")
    args = ap.parse_args()
    password = open(args.password_file).read().strip()

    dcs = []
    for spec in args.dc:
        ip, domain, fqdn, target = spec.split(",", 3)
        dcs.append(DC(ip, domain, fqdn, target, password))
    dc1 = dcs[0]

    # Computers first, everywhere: Samba checks sPNMappings aliases in one
    # direction only (HOST/x is refused when HTTP/x is already on another
    # account), so users' HTTP SPNs come after the computers' HOST SPNs.
    for dc in dcs:
        for name in COMPUTERS.get(dc.domain, []):
            dc.ensure_computer(name)
    for dc in dcs:
        for spec in USERS.get(dc.domain, []):
            dc.ensure_user(*spec)
        for name in NT_HASH_ONLY.get(dc.domain, []):
            dc.ensure_nt_hash_only(name, dc.smbconf)

    # ConfigMgr schema extension and published management points (lab.test).
    dc1.ensure_configmgr()

    # DNS: forward records on each domain's own DC; all PTRs in reverse zones
    # on DC1 (the DNS server that answers for the whole lab).
    o = args.hostnet.split(".")
    host_rev = "%s.%s.%s.in-addr.arpa" % (o[2], o[1], o[0])
    dc1.ensure_zone(host_rev)
    dc_rev = {}
    for dc in dcs:
        p = dc.ip.split(".")
        zone = "%s.%s.%s.in-addr.arpa" % (p[2], p[1], p[0])
        if zone != host_rev and zone not in dc_rev:
            dc1.ensure_zone(zone)
        dc_rev.setdefault(zone, []).append(dc)
    for zone, members in dc_rev.items():
        for dc in members:
            dc1.ensure_record(zone, dc.ip.split(".")[3], dnsp.DNS_TYPE_PTR, dc.fqdn)
    for dc in dcs:
        for host, last in HOSTS.get(dc.domain, {}).items():
            ip = "%s.%d" % (args.hostnet, last)
            dc.ensure_record(dc.domain, host, dnsp.DNS_TYPE_A, ip)
            dc1.ensure_record(host_rev, str(last), dnsp.DNS_TYPE_PTR, "%s.%s" % (host, dc.domain))
        for alias, target in CNAMES.get(dc.domain, {}).items():
            dc.ensure_record(dc.domain, alias, dnsp.DNS_TYPE_CNAME, target)
        for name, owner in SHARED_A.get(dc.domain, {}).items():
            ip = "%s.%d" % (args.hostnet, HOSTS[dc.domain][owner])
            dc.ensure_record(dc.domain, name, dnsp.DNS_TYPE_A, ip)
        for name, last in EDGE_A.get(dc.domain, {}).items():
            dc.ensure_record(dc.domain, name, dnsp.DNS_TYPE_A, "%s.%d" % (args.hostnet, last))
        for name, last in TOMBSTONED_A.get(dc.domain, {}).items():
            dc.ensure_tombstoned(dc.domain, name, dnsp.DNS_TYPE_A, "%s.%d" % (args.hostnet, last))
    log("seeding done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
