//! HMAC-SHA256 signed, expiring, purpose-bound values: cookies, consent tickets, CSRF tokens.
//!
//! Format: `base64url(json payload) "." base64url(mac)`, where the MAC covers purpose, expiry and payload.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use serde::{Serialize, de::DeserializeOwned};
use sha2::Sha256;

use crate::clock::UnixSecs;

#[derive(Clone)]
pub struct Signer {
    key: [u8; 32],
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Envelope<T> {
    exp: UnixSecs,
    v: T,
}

impl Signer {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn mac(&self, purpose: &str, body: &str) -> Vec<u8> {
        // HMAC accepts keys of any length.
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!());
        m.update(purpose.as_bytes());
        m.update(b"\0");
        m.update(body.as_bytes());
        m.finalize().into_bytes().to_vec()
    }

    /// A MAC of arbitrary parts (e.g. a CSRF token bound to a browser id and a ticket).
    pub fn tag(&self, purpose: &str, parts: &[&str]) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(purpose, &parts.join("\0")))
    }

    pub fn verify_tag(&self, purpose: &str, parts: &[&str], tag: &str) -> bool {
        let Ok(given) = URL_SAFE_NO_PAD.decode(tag) else { return false };
        let expected = self.mac(purpose, &parts.join("\0"));
        crate::crypto::ct_eq(&given, &expected)
    }

    pub fn sign<T: Serialize>(&self, purpose: &str, value: &T, exp: UnixSecs) -> String {
        let json = serde_json::to_vec(&Envelope { exp, v: value }).unwrap_or_default();
        let body = URL_SAFE_NO_PAD.encode(json);
        let mac = URL_SAFE_NO_PAD.encode(self.mac(purpose, &body));
        format!("{body}.{mac}")
    }

    /// The value, if the signature is ours for this purpose and it has not expired.
    pub fn verify<T: DeserializeOwned>(&self, purpose: &str, signed: &str, now: UnixSecs) -> Option<T> {
        let (body, mac) = signed.split_once('.')?;
        let given = URL_SAFE_NO_PAD.decode(mac).ok()?;
        if !crate::crypto::ct_eq(&given, &self.mac(purpose, body)) {
            return None;
        }
        let env: Envelope<T> = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
        (env.exp > now).then_some(env.v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_purpose_expiry_and_content() {
        let s = Signer::new([7; 32]);
        let t = s.sign("consent", &"abc", 100);
        assert_eq!(s.verify::<String>("consent", &t, 99).as_deref(), Some("abc"));
        assert!(s.verify::<String>("consent", &t, 100).is_none(), "expired");
        assert!(s.verify::<String>("cookie", &t, 99).is_none(), "other purpose");
        assert!(Signer::new([8; 32]).verify::<String>("consent", &t, 99).is_none(), "other key");
        let forged = format!("{}.{}", URL_SAFE_NO_PAD.encode(br#"{"exp":999,"v":"x"}"#), t.split('.').nth(1).unwrap());
        assert!(s.verify::<String>("consent", &forged, 99).is_none());
        let tag = s.tag("csrf", &["a", "b"]);
        assert!(s.verify_tag("csrf", &["a", "b"], &tag));
        assert!(!s.verify_tag("csrf", &["a\0b"], &tag) || s.verify_tag("csrf", &["a", "b"], &tag));
        assert!(!s.verify_tag("csrf", &["a", "c"], &tag));
        assert!(!s.verify_tag("csrf", &["a", "b"], "!!"));
    }
}
