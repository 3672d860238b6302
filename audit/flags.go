package audit

import (
	"fmt"
	"time"
)

// bitName names one bit of a flags attribute.
type bitName struct {
	bit  uint32
	name string
}

// userAccountControl bits, [MS-ADTS] 2.2.16.
var uacBits = []bitName{
	{0x1, "SCRIPT"},
	{0x2, "ACCOUNTDISABLE"},
	{0x8, "HOMEDIR_REQUIRED"},
	{0x10, "LOCKOUT"},
	{0x20, "PASSWD_NOTREQD"},
	{0x40, "PASSWD_CANT_CHANGE"},
	{0x80, "ENCRYPTED_TEXT_PWD_ALLOWED"},
	{0x100, "TEMP_DUPLICATE_ACCOUNT"},
	{0x200, "NORMAL_ACCOUNT"},
	{0x800, "INTERDOMAIN_TRUST_ACCOUNT"},
	{0x1000, "WORKSTATION_TRUST_ACCOUNT"},
	{0x2000, "SERVER_TRUST_ACCOUNT"},
	{0x10000, "DONT_EXPIRE_PASSWORD"},
	{0x20000, "MNS_LOGON_ACCOUNT"},
	{0x40000, "SMARTCARD_REQUIRED"},
	{0x80000, "TRUSTED_FOR_DELEGATION"},
	{0x100000, "NOT_DELEGATED"},
	{0x200000, "USE_DES_KEY_ONLY"},
	{0x400000, "DONT_REQ_PREAUTH"},
	{0x800000, "PASSWORD_EXPIRED"},
	{0x1000000, "TRUSTED_TO_AUTH_FOR_DELEGATION"},
	{0x4000000, "PARTIAL_SECRETS_ACCOUNT"},
}

// UAC bits the checks test.
const (
	UACAccountDisable     uint32 = 0x2
	UACNormalAccount      uint32 = 0x200
	UACWorkstationTrust   uint32 = 0x1000
	UACServerTrust        uint32 = 0x2000
	UACDontExpirePasswd   uint32 = 0x10000
	UACUseDESKeyOnly      uint32 = 0x200000
	UACDontRequirePreauth uint32 = 0x400000
)

// msDS-SupportedEncryptionTypes bits, [MS-KILE] 2.2.7.
var encTypeBits = []bitName{
	{0x1, "DES-CBC-CRC"},
	{0x2, "DES-CBC-MD5"},
	{0x4, "RC4-HMAC"},
	{0x8, "AES128-CTS-HMAC-SHA1-96"},
	{0x10, "AES256-CTS-HMAC-SHA1-96"},
	{0x20, "AES256-CTS-HMAC-SHA1-96-SK"},
}

// Encryption type bits.
const (
	EncDESCBCCRC uint32 = 0x1
	EncDESCBCMD5 uint32 = 0x2
	EncRC4       uint32 = 0x4
	EncAES128    uint32 = 0x8
	EncAES256    uint32 = 0x10
)

// trustAttributes bits, [MS-ADTS] 6.1.6.7.9.
var trustAttrBits = []bitName{
	{0x1, "NON_TRANSITIVE"},
	{0x2, "UPLEVEL_ONLY"},
	{0x4, "QUARANTINED_DOMAIN"},
	{0x8, "FOREST_TRANSITIVE"},
	{0x10, "CROSS_ORGANIZATION"},
	{0x20, "WITHIN_FOREST"},
	{0x40, "TREAT_AS_EXTERNAL"},
	{0x80, "USES_RC4_ENCRYPTION"},
	{0x200, "CROSS_ORGANIZATION_NO_TGT_DELEGATION"},
	{0x400, "PIM_TRUST"},
	{0x800, "CROSS_ORGANIZATION_ENABLE_TGT_DELEGATION"},
}

// Trust attribute bits.
const (
	TrustNonTransitive    uint32 = 0x1
	TrustQuarantined      uint32 = 0x4
	TrustForestTransitive uint32 = 0x8
	TrustCrossOrg         uint32 = 0x10
	TrustWithinForest     uint32 = 0x20
	TrustTreatAsExternal  uint32 = 0x40
	TrustUsesRC4          uint32 = 0x80
	TrustNoTGTDelegation  uint32 = 0x200
	TrustEnableTGTDeleg   uint32 = 0x800
)

func decodeBits(v uint32, names []bitName) []string {
	var out []string
	var known uint32
	for _, b := range names {
		known |= b.bit
		if v&b.bit != 0 {
			out = append(out, b.name)
		}
	}
	if rest := v &^ known; rest != 0 {
		out = append(out, fmt.Sprintf("0x%x", rest))
	}
	return out
}

// DecodeUAC names the set bits of a userAccountControl value; unknown bits
// appear as hex.
func DecodeUAC(v uint32) []string { return decodeBits(v, uacBits) }

// DecodeEncTypes names the set bits of msDS-SupportedEncryptionTypes.
func DecodeEncTypes(v uint32) []string { return decodeBits(v, encTypeBits) }

// DecodeTrustAttributes names the set bits of trustAttributes.
func DecodeTrustAttributes(v uint32) []string { return decodeBits(v, trustAttrBits) }

// TrustDirectionName names a trustDirection value.
func TrustDirectionName(d int) string {
	switch d {
	case 0:
		return "disabled"
	case 1:
		return "inbound"
	case 2:
		return "outbound"
	case 3:
		return "bidirectional"
	}
	return fmt.Sprintf("unknown(%d)", d)
}

// TrustTypeName names a trustType value.
func TrustTypeName(t int) string {
	switch t {
	case 1:
		return "downlevel"
	case 2:
		return "uplevel"
	case 3:
		return "mit"
	case 4:
		return "dce"
	case 5:
		return "aad"
	}
	return fmt.Sprintf("unknown(%d)", t)
}

// FunctionalLevelName names an msDS-Behavior-Version value, [MS-ADTS] 6.1.4.2.
func FunctionalLevelName(v int) string {
	switch v {
	case 0:
		return "Windows 2000"
	case 1:
		return "Windows Server 2003 interim"
	case 2:
		return "Windows Server 2003"
	case 3:
		return "Windows Server 2008"
	case 4:
		return "Windows Server 2008 R2"
	case 5:
		return "Windows Server 2012"
	case 6:
		return "Windows Server 2012 R2"
	case 7:
		return "Windows Server 2016"
	case 10:
		return "Windows Server 2025"
	}
	return fmt.Sprintf("unknown(%d)", v)
}

// secondsFrom1601To1970 converts FILETIME seconds to Unix seconds.
const secondsFrom1601To1970 = 11644473600

// FromFileTime converts a Windows FILETIME (100 ns ticks since 1601) to a
// time. 0 and the "never" value 0x7FFFFFFFFFFFFFFF give nil.
func FromFileTime(ticks int64) *time.Time {
	if ticks <= 0 || ticks == 0x7FFFFFFFFFFFFFFF {
		return nil
	}
	const ticksPerSecond = 10_000_000
	// time.Duration cannot span four centuries, so go through Unix seconds.
	t := time.Unix(ticks/ticksPerSecond-secondsFrom1601To1970, (ticks%ticksPerSecond)*100).UTC()
	return &t
}
