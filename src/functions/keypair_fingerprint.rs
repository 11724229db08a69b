//! `provider::nova::keypair_fingerprint(public_key)`: the fingerprint Nova
//! reports for an SSH key pair imported with this public key.
//!
//! Nova's rule (`nova.crypto.generate_fingerprint`): the key must load as
//! an OpenSSH public key (`cryptography`'s `load_ssh_public_key`), and the
//! fingerprint is the MD5 of the base64 text after the first single space,
//! decoded, in colon-separated hex pairs. Both halves are kept here as
//! Nova has them, quirks included: the text is split on one space, so
//! `"ssh-ed25519  AAAA..."` (two spaces) loads, and its fingerprint is the
//! MD5 of nothing.

use base64::Engine;
use md5::Digest;

use crate::framework::{Function, FunctionDefinition, FunctionError, Parameter, Type, Value};

pub struct KeypairFingerprint;

impl Function for KeypairFingerprint {
    fn definition(&self) -> FunctionDefinition {
        FunctionDefinition {
            name: "keypair_fingerprint",
            summary: "The fingerprint Nova reports for a key pair with this public key.".into(),
            description: "The fingerprint Nova computes when an SSH public key is imported as a key pair (what `nova_keypair`'s `fingerprint` will hold): the MD5 of the key, in colon-separated hex pairs. A key Nova would refuse is an error. Key types: `ssh-rsa`, `ssh-dss`, `ssh-ed25519`, `ecdsa-sha2-nistp256`/`384`/`521`, `sk-ssh-ed25519@openssh.com`, `sk-ecdsa-sha2-nistp256@openssh.com`; OpenSSH certificates and x509 key pairs are not supported.".into(),
            parameters: vec![Parameter::string("public_key")
                .description("Public key in OpenSSH format: `<type> <base64 key> [comment]`.")],
            returns: Type::String,
        }
    }

    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        let Some(key) = args[0].as_str() else {
            return Err(FunctionError::argument(0, "a string is expected."));
        };
        nova_fingerprint(key).map(Value::string).map_err(|why| {
            FunctionError::argument(0, format!("Nova would refuse this public key: {why}."))
        })
    }
}

/// The fingerprint Nova gives `key`, or why Nova refuses it.
pub fn nova_fingerprint(key: &str) -> Result<String, String> {
    check_loads(key)?;
    // base64.b64decode(public_key.split(' ')[1]): characters outside the
    // alphabet are skipped
    let Some(second) = key.split(' ').nth(1) else {
        return Err("there is no space after the key type".into());
    };
    let kept: String = second
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        .collect();
    let blob = base64::engine::general_purpose::STANDARD
        .decode(kept)
        .map_err(|_| "the text after the first space is not base64".to_string())?;
    let hex = hex::encode(md5::Md5::digest(&blob));
    Ok(hex
        .as_bytes()
        .chunks(2)
        .map(|p| std::str::from_utf8(p).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(":"))
}

const CERT_SUFFIX: &str = "-cert-v01@openssh.com";

/// Whether `key` loads as an OpenSSH public key, by the rules of the
/// loader Nova calls: `<type>[ \t]+<base64>` at the very start, a known
/// type, the blob naming the same type, the type's fields well formed, and
/// nothing after them.
fn check_loads(key: &str) -> Result<(), String> {
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let bytes = key.as_bytes();
    let type_end = bytes
        .iter()
        .position(|&b| is_space(b))
        .unwrap_or(bytes.len());
    let gap_end = type_end
        + bytes[type_end..]
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
    let body_end = gap_end
        + bytes[gap_end..]
            .iter()
            .take_while(|&&b| !is_space(b))
            .count();
    if type_end == 0 || gap_end == type_end || body_end == gap_end {
        return Err(
            "an OpenSSH public key is \"<type> <base64 key> [comment]\", with the type first"
                .into(),
        );
    }
    let key_type = &key[..type_end];
    if key_type.ends_with(CERT_SUFFIX) {
        return Err("OpenSSH certificates are not supported by this function".into());
    }
    let blob = base64::engine::general_purpose::STANDARD
        .decode(&key[gap_end..body_end])
        .map_err(|_| format!("the key after \"{key_type}\" is not base64"))?;
    let mut r = Reader(&blob);
    let inner = r.string()?;
    let fields = match key_type {
        "ssh-rsa"
        | "ssh-dss"
        | "ssh-ed25519"
        | "ecdsa-sha2-nistp256"
        | "ecdsa-sha2-nistp384"
        | "ecdsa-sha2-nistp521"
        | "sk-ssh-ed25519@openssh.com"
        | "sk-ecdsa-sha2-nistp256@openssh.com" => key_type,
        other => return Err(format!("unsupported key type \"{other}\"")),
    };
    if inner != key_type.as_bytes() {
        return Err(format!(
            "the key is not of the type \"{key_type}\" it is written with"
        ));
    }
    match fields {
        "ssh-rsa" => rsa(&mut r)?,
        "ssh-dss" => dsa(&mut r)?,
        "ssh-ed25519" => ed25519(&mut r)?,
        "sk-ssh-ed25519@openssh.com" => {
            ed25519(&mut r)?;
            application(&mut r)?;
        }
        "sk-ecdsa-sha2-nistp256@openssh.com" => {
            ecdsa(&mut r, "nistp256")?;
            application(&mut r)?;
        }
        ecdsa_type => ecdsa(&mut r, ecdsa_type.trim_start_matches("ecdsa-sha2-"))?,
    }
    if !r.0.is_empty() {
        return Err("the key has data after its fields".into());
    }
    Ok(())
}

/// The SSH wire format's fields.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn string(&mut self) -> Result<&'a [u8], String> {
        let short = || "the key is cut short".to_string();
        let len = self.0.get(..4).ok_or_else(short)?;
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let s = self.0.get(4..4 + len).ok_or_else(short)?;
        self.0 = &self.0[4 + len..];
        Ok(s)
    }
    /// A non-negative integer, without its leading zero bytes.
    fn mpint(&mut self) -> Result<&'a [u8], String> {
        let v = self.string()?;
        if v.first().is_some_and(|&b| b > 0x7f) {
            return Err("the key has a negative number".into());
        }
        let zeros = v.iter().take_while(|&&b| b == 0).count();
        Ok(&v[zeros..])
    }
}

fn odd(n: &[u8]) -> bool {
    n.last().is_some_and(|b| b & 1 == 1)
}

/// a < b for big-endian numbers without leading zeros.
fn less(a: &[u8], b: &[u8]) -> bool {
    (a.len(), a) < (b.len(), b)
}

/// RSA: e and n odd, at least 3, e below n.
fn rsa(r: &mut Reader) -> Result<(), String> {
    let e = r.mpint()?;
    let n = r.mpint()?;
    let three: &[u8] = &[3];
    if !odd(e) || !odd(n) || less(e, three) || less(n, three) || !less(e, n) {
        return Err("the RSA key's numbers are not valid".into());
    }
    Ok(())
}

/// DSA: p, q, g, y; SSH's DSA keys have a 1024-bit p.
fn dsa(r: &mut Reader) -> Result<(), String> {
    let p = r.mpint()?;
    for _ in 0..3 {
        r.mpint()?;
    }
    if p.len() != 128 || p[0] < 0x80 {
        return Err("an SSH DSA key needs a 1024-bit p".into());
    }
    Ok(())
}

fn ed25519(r: &mut Reader) -> Result<(), String> {
    match r.string()?.len() {
        32 => Ok(()),
        n => Err(format!("an Ed25519 key has 32 bytes, this one {n}")),
    }
}

/// The curve named again, and a point on it.
fn ecdsa(r: &mut Reader, curve: &str) -> Result<(), String> {
    use aws_lc_rs::agreement::{
        ParsedPublicKey, UnparsedPublicKey, ECDH_P256, ECDH_P384, ECDH_P521,
    };
    if r.string()? != curve.as_bytes() {
        return Err(format!("the key does not name its curve {curve}"));
    }
    let alg = match curve {
        "nistp256" => &ECDH_P256,
        "nistp384" => &ECDH_P384,
        _ => &ECDH_P521,
    };
    ParsedPublicKey::try_from(UnparsedPublicKey::new(alg, r.string()?))
        .map(|_| ())
        .map_err(|_| format!("the key is not a point on the curve {curve}"))
}

/// A security key's application, "ssh:...".
fn application(r: &mut Reader) -> Result<(), String> {
    match r.string()?.starts_with(b"ssh:") {
        true => Ok(()),
        false => Err("a security key's application must start with \"ssh:\"".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::function::call_encoded;
    use crate::framework::runtime::Dynamic;

    /// Keys made with Python's `cryptography`, and what Nova's own
    /// `nova.crypto.generate_fingerprint` (the cloud venv's Nova) gave for
    /// each: a fingerprint, or `None` where it raised `InvalidKeypair`.
    const NOVA: &[(&str, &str, Option<&str>)] = &[
    ("rsa2048", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDLVu4lTi6P5YzpvQ7K8IJzmdtsHm7+F2bnPO9jCXO5DYTTv9be/daLy+guyFv8V9VsUNQPxvdg2K5Won8fbMD2Av4Xywo31bVSpAmHU4C8D9wx6ZJ3AN2Pm0wehofk3ftkdefjpA21ytLITBFtb2udYDqL1qxZFop00Vo00w32JTG9smBs50S7GmeBnBbg74pFXc+4TlH2FBVBh5cWR4DAkA0tB7am3o/jvDgq6BuNa9h6/Iyjk63JfVCQRunZUV/iW5VNWJJqis6bQ36zN7LhUTmZE9GKilCfrFyYTwFAz4yODuAE1HZeFtiqHtbeKcfNmwut0Ri4yFqAgfgi2VJ9 alice@example", Some("59:db:20:94:be:b3:f3:92:69:04:69:85:88:fa:52:02")),
    ("ecdsa256", "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBAByUSmCMNp5m1o+iWNL/m7sj0hHri7vdazAXQdr8BHn1YOJbffNv8noi/nGUgR5zLEXeB3FEcSQWykPLedsaro=", Some("bb:c4:53:84:3c:08:a9:34:8a:10:85:aa:99:57:1b:fd")),
    ("ecdsa384", "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBEYtRch8UkmkqxggCeicqJTUWw9q20jneqj0272rfgHH3xmasjIvs0TeEhkzYSTOeMekygSehBYDK2kYD9owqHt1cd9VWH+iNdRx7zAGaNhSV21Zz1dbXWz0AXKFAs+HOw==", Some("33:84:36:65:0f:12:64:21:7a:fd:64:5a:13:0e:bb:55")),
    ("ecdsa521", "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBABmsuXaYBlexK63u3AWTG93aJifBFb7v/TkjtKj92qInpsTbCNQNd7LSjSNb3P/9AYFXQR/KkJptLUkvD7SpmIMFQD6YE/C10a2tpQOr1qbqO4PZmfBdEzX1E56ZM5MJ4/Jy5WlsnP6e12DF4+EFagO+mHIoifqNsXgmgAHX6Adervgxw==", Some("86:90:7f:34:bd:42:cc:f7:9f:7a:92:a8:30:9e:0d:02")),
    ("ed25519", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAZHxiAQ2Fz1ykfZ7pENTxzAXnHP0IiMMDtboGLG1+WG bob", Some("aa:07:ed:4c:46:af:6d:55:da:7e:3b:88:59:b9:0a:ae")),
    ("dsa", "ssh-dss AAAAB3NzaC1kc3MAAACBAKC2ygnJXewZzzOlxu806PIYF0VgDN5Vvj4bRgXl7DINS4kxmrNk8SiZQHvzu9EpgA0EqKeLka+0YrMh+q25LuXySw7xgdL+y5Ybd/0U38f13mE/ZGuqChdn532a/Cog2HYPLYvf/4wEh0yCDDPRBgZ7EJYvYKOH5crgWvQsZSsLAAAAFQCVVboG/T29aAqpvXOVnbiZL6//DwAAAIBeXhAtsG3t+JRipCeMAJAjnumW+9lq4yMffU8o1ExW8HVXE2A8/M3KmPf4GYiVE1cPv01YgAfMVznrvR5P/ApALfjX0+qFSVeNfZCn/G7IWIUzB5H2mKZG/e8e6GC0Fu3Hacj1t+94ab38luP2RI8vy5ma1/pbsuM5fVbTRK1qgwAAAIA0Vz+lYqHoA6izLkeGPSAYUY0tJ/7Z1B0mkdTrILDZGKsJ8IqOB4Xnu55GZCjr24u3nSjhxdshnBdFPzH4GLuEDOxzUq8TEc3XJprSQ3dHH5Z5uB3Zh+y+8rfQ/zCx2iz2CfY+K0U86KivLy+0texuLadURsQtpamcemF3P0OytQ==", Some("e9:88:d1:59:f2:82:14:05:42:48:be:ea:eb:1a:53:dd")),
    ("trailing_newline", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAZHxiAQ2Fz1ykfZ7pENTxzAXnHP0IiMMDtboGLG1+WG bob\n", Some("aa:07:ed:4c:46:af:6d:55:da:7e:3b:88:59:b9:0a:ae")),
    ("leading_space", " ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAZHxiAQ2Fz1ykfZ7pENTxzAXnHP0IiMMDtboGLG1+WG bob", None),
    ("two_spaces", "ssh-ed25519  AAAAC3NzaC1lZDI1NTE5AAAAIAZHxiAQ2Fz1ykfZ7pENTxzAXnHP0IiMMDtboGLG1+WG bob", Some("d4:1d:8c:d9:8f:00:b2:04:e9:80:09:98:ec:f8:42:7e")),
    ("tab", "ssh-ed25519\tAAAAC3NzaC1lZDI1NTE5AAAAIAZHxiAQ2Fz1ykfZ7pENTxzAXnHP0IiMMDtboGLG1+WG bob", None),
    ("no_comment", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAZHxiAQ2Fz1ykfZ7pENTxzAXnHP0IiMMDtboGLG1+WG", Some("aa:07:ed:4c:46:af:6d:55:da:7e:3b:88:59:b9:0a:ae")),
    ("comment_with_spaces", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAZHxiAQ2Fz1ykfZ7pENTxzAXnHP0IiMMDtboGLG1+WG a b  c", Some("aa:07:ed:4c:46:af:6d:55:da:7e:3b:88:59:b9:0a:ae")),
    ("type_mismatch", "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIAZHxiAQ2Fz1ykfZ7pENTxzAXnHP0IiMMDtboGLG1+WG", None),
    ("truncated", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAZHxiAQ2Fz1ykfZ", None),
    ("not_base64", "ssh-ed25519 !!!notbase64", None),
    ("garbage", "hello", None),
    ("empty", "", None),
    ("unknown_type", "ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIAZHxiAQ2Fz1ykfZ7pENTxzAXnHP0IiMMDtboGLG1+WG", None),
    ("crlf", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAZHxiAQ2Fz1ykfZ7pENTxzAXnHP0IiMMDtboGLG1+WG bob\r\n", Some("aa:07:ed:4c:46:af:6d:55:da:7e:3b:88:59:b9:0a:ae")),
    ("trailing_space", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAZHxiAQ2Fz1ykfZ7pENTxzAXnHP0IiMMDtboGLG1+WG bob ", Some("aa:07:ed:4c:46:af:6d:55:da:7e:3b:88:59:b9:0a:ae")),
    ("ed25519_short", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAHwZHxiAQ2Fz1ykfZ7pENTxzAXnHP0IiMMDtboGLG1+U=", None),
    ("ed25519_trailing", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAZHxiAQ2Fz1ykfZ7pENTxzAXnHP0IiMMDtboGLG1+WGAA==", None),
    ("rsa_even_e", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQAAAAAAQgDFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFAQ==", None),
    ("rsa_small", "ssh-rsa AAAAB3NzaC1yc2EAAAABAwAAAAEL", Some("d2:3f:38:53:f9:83:bc:9e:74:4f:d1:6e:c9:48:ef:d0")),
    ("rsa_negative_n", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAQcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcUB", None),
    ("ecdsa_wrong_curve", "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAzODQAAABBBAByUSmCMNp5m1o+iWNL/m7sj0hHri7vdazAXQdr8BHn1YOJbffNv8noi/nGUgR5zLEXeB3FEcSQWykPLedsaro=", None),
    ("ecdsa_short_point", "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABABAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ==", None),
    ("sk_ed25519", "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIAZHxiAQ2Fz1ykfZ7pENTxzAXnHP0IiMMDtboGLG1+WGAAAABHNzaDo=", Some("3a:37:e3:f2:0d:16:4f:97:05:a4:f3:67:a6:d3:55:23")),
    ("sk_ed25519_bad_app", "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIAZHxiAQ2Fz1ykfZ7pENTxzAXnHP0IiMMDtboGLG1+WGAAAABHdlYjo=", None),
    ("ecdsa_unpadded", "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBAByUSmCMNp5m1o+iWNL/m7sj0hHri7vdazAXQdr8BHn1YOJbffNv8noi/nGUgR5zLEXeB3FEcSQWykPLedsaro", None),
    ("ecdsa_off_curve", "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBAByUSmCMNp5m1o+iWNL/m7sj0hHri7vdazAXQdr8BHn1YOJbffNv8noi/nGUgR5zLEXeB3FEcSQWykPLedsars=", None),
    ];

    #[test]
    fn fingerprints_are_novas() {
        for (name, key, want) in NOVA {
            let got = nova_fingerprint(key);
            match want {
                Some(fp) => assert_eq!(got.as_deref(), Ok(*fp), "{name}"),
                None => assert!(got.is_err(), "{name}: Nova refuses it, got {got:?}"),
            }
        }
    }

    #[test]
    fn arguments_as_terraform_sends_them() {
        let ed25519 = NOVA.iter().find(|c| c.0 == "ed25519").unwrap();
        let mismatch = NOVA.iter().find(|c| c.0 == "type_mismatch").unwrap();
        let cases: Vec<(&str, Dynamic, Result<Value, FunctionError>)> = vec![
            (
                "known key",
                Dynamic::encode(&Value::string(ed25519.1), &Type::String),
                Ok(Value::string(ed25519.2.unwrap())),
            ),
            (
                "null (Terraform refuses it before the call; refused here too)",
                Dynamic::msgpack(vec![0xc0]),
                Err(FunctionError::argument(0, "the value must not be null.")),
            ),
            (
                "unknown (never sent by Terraform)",
                Dynamic::encode(&Value::Unknown, &Type::String),
                Err(FunctionError::argument(
                    0,
                    "the value is unknown; this function is called with known values only.",
                )),
            ),
            (
                "not a key",
                Dynamic::encode(&Value::string("hello"), &Type::String),
                Err(FunctionError::argument(
                    0,
                    "Nova would refuse this public key: an OpenSSH public key is \"<type> <base64 key> [comment]\", with the type first.",
                )),
            ),
            (
                "wrong type",
                Dynamic::encode(&Value::string(mismatch.1), &Type::String),
                Err(FunctionError::argument(
                    0,
                    "Nova would refuse this public key: the key is not of the type \"ssh-rsa\" it is written with.",
                )),
            ),
        ];
        let def = KeypairFingerprint.definition();
        for (name, arg, want) in cases {
            let got = call_encoded(&KeypairFingerprint, &def, &[arg])
                .map(|d| d.decode(&Type::String).unwrap());
            assert_eq!(got, want, "{name}");
        }
    }
}
