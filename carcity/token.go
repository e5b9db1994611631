package carcity

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// DeriveToken returns the ai_sitecom_token that Citylink sends for loginID
// when the tenant stored a comm_key instead of a token issued by the
// platform: the unpadded URL-safe base64 of HMAC-SHA256 keyed with commKey
// over loginID.
//
// The platform does not publish its rule. This one is an assumption that
// matches the shape of its example token (43 characters, 32 bytes); change
// it here, and only here, once the real rule is known.
func DeriveToken(commKey, loginID string) string {
	mac := hmac.New(sha256.New, []byte(commKey))
	mac.Write([]byte(loginID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// AuthAnswerMD5 returns the password a client answers to an authenticate
// request that carries key: the lowercase hexadecimal MD5 of the UTF-8
// bytes of loginID, password and key joined with no separator.
func AuthAnswerMD5(loginID, password, key string) string {
	sum := md5.Sum([]byte(loginID + password + key))
	return hex.EncodeToString(sum[:])
}
