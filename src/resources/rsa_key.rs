//! RSA key pairs: generated for `nova_keypair` (`algorithm = "rsa"`) and
//! read back by `nova_server_password` to decrypt the password a guest
//! agent left with Nova.
//!
//! The private key is written as PKCS#1 PEM (`-----BEGIN RSA PRIVATE
//! KEY-----`), the form `openssl rsautl`, `nova get-password` and OpenSSH
//! all read; the public key as an OpenSSH `ssh-rsa` line, what Nova hands
//! to guests. Generation and decryption use aws-lc (already the provider's
//! TLS backend); the few DER structures around the key are read and written
//! here.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize, Pkcs1PrivateDecryptingKey, PrivateDecryptingKey};
use base64::Engine;

/// The RSA key sizes `rsa_bits` takes.
pub const RSA_BITS: &[i64] = &[2048, 4096];
/// The size generated when `rsa_bits` is not set.
pub const DEFAULT_RSA_BITS: i64 = 4096;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("rsa_bits must be one of 2048, 4096, not {0}.")]
    Size(i64),
    #[error("the RSA key could not be generated.")]
    Generate,
    #[error("the RSA key could not be encoded: {0}")]
    Encode(String),
    #[error("it is an OpenSSH-format RSA private key; give it in PEM form (`ssh-keygen -p -m PEM -f KEY` converts an OpenSSH RSA key to PEM in place; nova_keypair with algorithm = \"rsa\" writes PEM).")]
    OpenSshRsa,
    #[error("it is an OpenSSH-format {0} private key, which cannot decrypt the password: the guest agent encrypts it to the public key of the server's key pair, which must be an RSA key pair, and only that pair's RSA private key (in PEM form) decrypts it. `ssh-keygen -p -m PEM` only converts an OpenSSH RSA key to PEM; it does not turn {0} keys into RSA keys. Give the server an RSA key pair (nova_keypair with algorithm = \"rsa\") and its private_key.")]
    OpenSshNotRsa(String),
    #[error("it is an OpenSSH-format private key that cannot be read; the password decrypts only with the RSA private key of the server's key pair, in PEM form (`ssh-keygen -p -m PEM -f KEY` converts an OpenSSH RSA key to PEM).")]
    OpenSsh,
    #[error(
        "it is an encrypted private key; give it decrypted (`openssl rsa -in KEY -out PLAIN`)."
    )]
    Encrypted,
    #[error("it is not a PEM private key (-----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----).")]
    NotPem,
    #[error("it is a PEM {0} private key, which cannot decrypt the password: the guest agent encrypts it to the public key of the server's key pair, which must be an RSA key pair, and only that pair's RSA private key decrypts it. Give the server an RSA key pair (nova_keypair with algorithm = \"rsa\") and its private_key.")]
    PemNotRsa(String),
    #[error("it is not a usable RSA private key (2048 to 8192 bits): {0}")]
    NotRsa(String),
    #[error("the encrypted password is not base64.")]
    NotBase64,
    #[error("the encrypted password is {got} bytes, but a {bits}-bit key decrypts {want}-byte messages: it was encrypted for another key.")]
    Length {
        got: usize,
        want: usize,
        bits: usize,
    },
    #[error("the password does not decrypt with this private key: it was encrypted for another key (the server's key pair must be the one this private key belongs to).")]
    Decrypt,
    #[error("the decrypted password is not UTF-8 text.")]
    NotText,
}

/// Reads one DER element: (tag, contents, what follows).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, b| (a << 8) | *b as usize);
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

fn der_element(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(contents);
    out
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
/// AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }.
const RSA_ENCRYPTION: &[u8] = &[
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

/// The name of the key algorithm of a PKCS#8 `PrivateKeyInfo` that is not
/// RSA (by the OID of its AlgorithmIdentifier); None for RSA keys and for
/// what cannot be read.
fn pkcs8_non_rsa_algorithm(pkcs8: &[u8]) -> Option<&'static str> {
    const OID: u8 = 0x06;
    let (SEQUENCE, info, _) = tlv(pkcs8)? else {
        return None;
    };
    let (INTEGER, _version, rest) = tlv(info)? else {
        return None;
    };
    let (SEQUENCE, algorithm, _) = tlv(rest)? else {
        return None;
    };
    let (OID, oid, _) = tlv(algorithm)? else {
        return None;
    };
    Some(match oid {
        [0x2b, 0x65, 0x70] => "Ed25519",
        [0x2b, 0x65, 0x71] => "Ed448",
        [0x2b, 0x65, 0x6e] => "X25519",
        [0x2b, 0x65, 0x6f] => "X448",
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01] => "ECDSA",
        [0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01] => "DSA",
        _ => return None,
    })
}

/// What aws-lc's reason for refusing an RSA key means.
fn rejected_reason(reason: &str) -> String {
    match reason {
        "TooSmall" => "the key is smaller than 2048 bits".into(),
        "TooLarge" => "the key is larger than 8192 bits".into(),
        "InvalidEncoding" => "its DER encoding cannot be read".into(),
        "WrongAlgorithm" => "it is not an RSA key".into(),
        "InconsistentComponents" | "Inconsistent" => {
            "its components do not make one RSA key".into()
        }
        other => other.into(),
    }
}

/// The PKCS#1 `RSAPrivateKey` inside a PKCS#8 `PrivateKeyInfo`.
fn pkcs1_of_pkcs8(pkcs8: &[u8]) -> Option<&[u8]> {
    let (SEQUENCE, info, _) = tlv(pkcs8)? else {
        return None;
    };
    let (INTEGER, _version, rest) = tlv(info)? else {
        return None;
    };
    let (SEQUENCE, algorithm, rest) = tlv(rest)? else {
        return None;
    };
    if der_element(SEQUENCE, algorithm) != RSA_ENCRYPTION {
        return None;
    }
    let (OCTET_STRING, key, _) = tlv(rest)? else {
        return None;
    };
    Some(key)
}

/// A PKCS#8 `PrivateKeyInfo` around a PKCS#1 `RSAPrivateKey`.
fn pkcs8_of_pkcs1(pkcs1: &[u8]) -> Vec<u8> {
    let mut info = der_element(INTEGER, &[0]);
    info.extend_from_slice(RSA_ENCRYPTION);
    info.extend(der_element(OCTET_STRING, pkcs1));
    der_element(SEQUENCE, &info)
}

/// The modulus and public exponent of a PKCS#1 `RSAPrivateKey`.
fn modulus_and_exponent(pkcs1: &[u8]) -> Option<(&[u8], &[u8])> {
    let (SEQUENCE, key, _) = tlv(pkcs1)? else {
        return None;
    };
    let (INTEGER, _version, rest) = tlv(key)? else {
        return None;
    };
    let (INTEGER, n, rest) = tlv(rest)? else {
        return None;
    };
    let (INTEGER, e, _) = tlv(rest)? else {
        return None;
    };
    Some((n, e))
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The OpenSSH public key line of a PKCS#1 private key.
fn openssh_public(pkcs1: &[u8], comment: &str) -> Result<String, KeyError> {
    let (n, e) = modulus_and_exponent(pkcs1)
        .ok_or_else(|| KeyError::Encode("no modulus in the private key".into()))?;
    let mpint = |b: &[u8]| {
        ssh_key::Mpint::from_positive_bytes(b).map_err(|e| KeyError::Encode(e.to_string()))
    };
    let data = ssh_key::public::KeyData::Rsa(ssh_key::public::RsaPublicKey {
        e: mpint(e)?,
        n: mpint(n)?,
    });
    ssh_key::PublicKey::new(data, comment)
        .to_openssh()
        .map_err(|e| KeyError::Encode(e.to_string()))
}

/// Generates an RSA key pair of `bits` (2048 or 4096): (OpenSSH public key
/// line, PKCS#1 PEM private key).
pub fn generate_rsa(bits: i64, comment: &str) -> Result<(String, String), KeyError> {
    let size = match bits {
        2048 => KeySize::Rsa2048,
        4096 => KeySize::Rsa4096,
        other => return Err(KeyError::Size(other)),
    };
    let key = KeyPair::generate(size).map_err(|_| KeyError::Generate)?;
    let pkcs8 = key
        .as_der()
        .map_err(|_| KeyError::Encode("PKCS#8".into()))?;
    let pkcs1 = pkcs1_of_pkcs8(pkcs8.as_ref())
        .ok_or_else(|| KeyError::Encode("no RSA key in the PKCS#8 document".into()))?;
    let public = openssh_public(pkcs1, comment)?;
    Ok((public, pem("RSA PRIVATE KEY", pkcs1)))
}

/// The algorithm name (`ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`...)
/// of an OpenSSH-format private key, read from its public key, which is
/// stored unencrypted even in an encrypted key: `openssh-key-v1\0`, the
/// cipher, KDF and KDF options, the number of keys, then the first public
/// key, whose first field is its algorithm.
pub fn openssh_private_key_algorithm(text: &str) -> Option<String> {
    const BEGIN: &str = "-----BEGIN OPENSSH PRIVATE KEY-----";
    const END: &str = "-----END OPENSSH PRIVATE KEY-----";
    let body = text.split(BEGIN).nth(1)?.split(END).next()?;
    let b64: String = body.split_whitespace().collect();
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let mut rest = bytes.strip_prefix(b"openssh-key-v1\0")?;
    fn string<'a>(input: &mut &'a [u8]) -> Option<&'a [u8]> {
        let n = u32::from_be_bytes(input.get(..4)?.try_into().ok()?) as usize;
        let s = input.get(4..4 + n)?;
        *input = &input[4 + n..];
        Some(s)
    }
    for _ in 0..3 {
        string(&mut rest)?; // cipher, KDF, KDF options
    }
    rest = rest.get(4..)?; // number of keys
    let mut public = string(&mut rest)?;
    let name = string(&mut public)?;
    String::from_utf8(name.to_vec()).ok()
}

/// The error for an OpenSSH-format private key: an RSA one only needs
/// converting to PEM; one of another algorithm cannot decrypt at all.
fn openssh_key_error(text: &str) -> KeyError {
    match openssh_private_key_algorithm(text).as_deref() {
        Some("ssh-rsa") => KeyError::OpenSshRsa,
        Some(other) => KeyError::OpenSshNotRsa(
            match other {
                "ssh-ed25519" => "Ed25519",
                "sk-ssh-ed25519@openssh.com" => "Ed25519 security key",
                "ssh-dss" => "DSA",
                o if o.starts_with("ecdsa-sha2-") => "ECDSA",
                o if o.starts_with("sk-ecdsa-sha2-") => "ECDSA security key",
                o => o,
            }
            .to_string(),
        ),
        None => KeyError::OpenSsh,
    }
}

/// Reads an RSA private key in PEM form: PKCS#1 (`RSA PRIVATE KEY`) or
/// PKCS#8 (`PRIVATE KEY`), unencrypted.
pub fn private_key_from_pem(text: &str) -> Result<Pkcs1PrivateDecryptingKey, KeyError> {
    // indentation (a heredoc without `<<-`) and CRLF line ends are no part
    // of the key
    let trimmed: Vec<&str> = text.lines().map(str::trim).collect();
    let text = trimmed.join("\n");
    let text = text.as_str();
    if text.contains("-----BEGIN DSA PRIVATE KEY-----") {
        return Err(KeyError::PemNotRsa("DSA".into()));
    }
    if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") {
        return Err(openssh_key_error(text));
    }
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || text.contains("Proc-Type: 4,ENCRYPTED")
    {
        return Err(KeyError::Encrypted);
    }
    let mut reader = text.as_bytes();
    loop {
        let item = rustls_pemfile::read_one(&mut reader).map_err(|_| KeyError::NotPem)?;
        let pkcs8 = match item {
            None => return Err(KeyError::NotPem),
            Some(rustls_pemfile::Item::Pkcs1Key(k)) => pkcs8_of_pkcs1(k.secret_pkcs1_der()),
            Some(rustls_pemfile::Item::Pkcs8Key(k)) => {
                let der = k.secret_pkcs8_der();
                if let Some(name) = pkcs8_non_rsa_algorithm(der) {
                    return Err(KeyError::PemNotRsa(name.into()));
                }
                der.to_vec()
            }
            Some(rustls_pemfile::Item::Sec1Key(_)) => {
                return Err(KeyError::PemNotRsa("ECDSA".into()))
            }
            Some(_) => continue,
        };
        let key = PrivateDecryptingKey::from_pkcs8(&pkcs8)
            .map_err(|e| KeyError::NotRsa(rejected_reason(e.description_())))?;
        return Pkcs1PrivateDecryptingKey::new(key)
            .map_err(|_| KeyError::NotRsa("not usable for PKCS#1 v1.5 decryption".into()));
    }
}

/// Decrypts what `GET /servers/{id}/os-server-password` returns: the
/// base64 of the password encrypted (RSA PKCS#1 v1.5) with the server's
/// public key.
pub fn decrypt_password(
    key: &Pkcs1PrivateDecryptingKey,
    encrypted: &str,
) -> Result<String, KeyError> {
    let compact: String = encrypted.chars().filter(|c| !c.is_whitespace()).collect();
    let ciphertext = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| KeyError::NotBase64)?;
    let want = key.key_size_bytes();
    if ciphertext.len() != want {
        return Err(KeyError::Length {
            got: ciphertext.len(),
            want,
            bits: key.key_size_bits(),
        });
    }
    let mut out = vec![0u8; key.min_output_size()];
    let plain = key
        .decrypt(&ciphertext, &mut out)
        .map_err(|_| KeyError::Decrypt)?;
    String::from_utf8(plain.to_vec()).map_err(|_| KeyError::NotText)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rsa::{Pkcs1PublicEncryptingKey, PublicEncryptingKey, PublicKeyComponents};

    /// Encrypts as a guest agent does: PKCS#1 v1.5 with the public key Nova
    /// hands the guest (the OpenSSH line), then base64.
    fn encrypt_for(public_line: &str, password: &str) -> String {
        let key = ssh_key::PublicKey::from_openssh(public_line).unwrap();
        let rsa = key.key_data().rsa().unwrap();
        let components = PublicKeyComponents {
            n: rsa.n.as_positive_bytes().unwrap().to_vec(),
            e: rsa.e.as_positive_bytes().unwrap().to_vec(),
        };
        let public: PublicEncryptingKey = components.try_into().unwrap();
        let enc = Pkcs1PublicEncryptingKey::new(public).unwrap();
        let mut out = vec![0u8; enc.ciphertext_size()];
        let c = enc.encrypt(password.as_bytes(), &mut out).unwrap();
        base64::engine::general_purpose::STANDARD.encode(c)
    }

    #[test]
    fn generated_keys_are_pem_and_openssh_of_the_size_asked() {
        for bits in [2048, 4096] {
            let (public, private) = generate_rsa(bits, "k1").unwrap();
            assert!(public.starts_with("ssh-rsa "), "{public}");
            assert!(public.ends_with(" k1"), "{public}");
            assert!(private.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
            assert!(private.ends_with("-----END RSA PRIVATE KEY-----\n"));
            assert!(private.lines().all(|l| l.len() <= 64));
            let key = private_key_from_pem(&private).unwrap();
            assert_eq!(key.key_size_bits(), bits as usize);
            let parsed = ssh_key::PublicKey::from_openssh(&public).unwrap();
            let n = parsed
                .key_data()
                .rsa()
                .unwrap()
                .n
                .as_positive_bytes()
                .unwrap()
                .len();
            assert_eq!(n * 8, bits as usize);
            // and Nova's own check of a public key passes
            assert_eq!(
                crate::resources::keypair::public_key_problem(&public, false),
                None
            );
        }
        assert_eq!(generate_rsa(1024, "k"), Err(KeyError::Size(1024)));
        assert_eq!(generate_rsa(0, "k"), Err(KeyError::Size(0)));
    }

    #[test]
    fn a_password_encrypted_with_the_public_key_decrypts_with_the_private_key() {
        let (public, private) = generate_rsa(2048, "win").unwrap();
        let key = private_key_from_pem(&private).unwrap();
        for password in ["Passw0rd!", "ünïcødé-€", "x"] {
            let encrypted = encrypt_for(&public, password);
            assert_eq!(decrypt_password(&key, &encrypted).unwrap(), password);
            // Nova may hand it back wrapped; white space is not part of it
            let wrapped: String = encrypted
                .as_bytes()
                .chunks(60)
                .map(|c| std::str::from_utf8(c).unwrap().to_string() + "\n")
                .collect();
            assert_eq!(decrypt_password(&key, &wrapped).unwrap(), password);
        }
        // the same key as PKCS#8 decrypts too
        let pkcs8 = pem(
            "PRIVATE KEY",
            &pkcs8_of_pkcs1(
                rustls_pemfile::rsa_private_keys(&mut private.as_bytes())
                    .next()
                    .unwrap()
                    .unwrap()
                    .secret_pkcs1_der(),
            ),
        );
        let key8 = private_key_from_pem(&pkcs8).unwrap();
        assert_eq!(
            decrypt_password(&key8, &encrypt_for(&public, "p8")).unwrap(),
            "p8"
        );
    }

    #[test]
    fn decryption_errors_say_what_is_wrong() {
        let (public, _) = generate_rsa(2048, "a").unwrap();
        let (_, other_private) = generate_rsa(2048, "b").unwrap();
        let (_, big_private) = generate_rsa(4096, "c").unwrap();
        let other = private_key_from_pem(&other_private).unwrap();
        let big = private_key_from_pem(&big_private).unwrap();
        let encrypted = encrypt_for(&public, "secret");
        for (key, input, want) in [
            (&other, encrypted.as_str(), KeyError::Decrypt),
            (
                &big,
                encrypted.as_str(),
                KeyError::Length {
                    got: 256,
                    want: 512,
                    bits: 4096,
                },
            ),
            (&other, "not base64!", KeyError::NotBase64),
            (
                &other,
                "",
                KeyError::Length {
                    got: 0,
                    want: 256,
                    bits: 2048,
                },
            ),
        ] {
            assert_eq!(decrypt_password(key, input).unwrap_err(), want, "{input}");
        }
    }

    #[test]
    fn private_keys_that_cannot_decrypt_are_refused_with_the_reason() {
        let (_, ed_private) = crate::resources::keypair::generate_ed25519("e").unwrap();
        let encrypted_pem = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        for (text, want) in [
            (ed_private.as_str(), KeyError::OpenSshNotRsa("Ed25519".into())),
            (
                "-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n",
                KeyError::OpenSsh,
            ),
            (encrypted_pem, KeyError::Encrypted),
            ("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", KeyError::Encrypted),
            ("", KeyError::NotPem),
            ("ssh-rsa AAAAB3NzaC1yc2E k", KeyError::NotPem),
        ] {
            assert_eq!(private_key_from_pem(text).err(), Some(want), "{text}");
        }
        // a PEM key that is no RSA key aws-lc takes
        let bogus = pem("RSA PRIVATE KEY", &[0x30, 0x03, 0x02, 0x01, 0x00]);
        assert!(matches!(
            private_key_from_pem(&bogus),
            Err(KeyError::NotRsa(_))
        ));
    }

    /// A PKCS#8 `PrivateKeyInfo` of the algorithm `oid` (its key is not
    /// read: only the AlgorithmIdentifier tells the key apart).
    fn pkcs8_of(oid: &[u8], params: &[u8]) -> String {
        let mut algorithm = der_element(0x06, oid);
        algorithm.extend_from_slice(params);
        let mut info = der_element(INTEGER, &[0]);
        info.extend(der_element(SEQUENCE, &algorithm));
        info.extend(der_element(
            OCTET_STRING,
            &der_element(OCTET_STRING, &[7; 32]),
        ));
        pem("PRIVATE KEY", &der_element(SEQUENCE, &info))
    }

    /// A 1024-bit RSA key (`openssl genrsa -traditional 1024`), too small.
    const RSA_1024: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIICXAIBAAKBgQC1GY5tyJDVujkDl1SgSoCxdKtAFtAk3JjEckMhouAy1eap98jM\n9VdZXyb8qAhPHUMH6oR+bokHm1PPH85vKLzLBrd7FickBs9vp8EjrHofVmJS23uE\nAosoepv8F1Ku1RPoVUNZ5YI9Z2civtphCXtJ8yQw3KLRFOjvjf2KILRBZQIDAQAB\nAoGAfHcuDoHUGTA90xwEy42o2U2oDQogz9TVId6uCMYadJXSTGrCFSthd0kQUIFk\nBIvF8ADcQtDRWOsGNMpVZMyIw5DBo6UnCkTIKy5Fa7CwaN21r9NuyA1f8Ttsg7GB\nPbGd8jvTq4a+gExrZHRyi7UxyXZNuZ9PlF9eQamN224fhhkCQQDaI2D8YoAlGRfH\nZI2U4tVO0i/Pq0bfgmAw2OpxgNWOJ3tRgzolXRbIshqG1XQp/f3wzTR+fH1LFz+6\nm8BBt4+jAkEA1Ihv3Id/3DJb+jrcMV8DSn1iOtjqNmSDENBct2ZAbeGAugMgM/E7\nJ7qQHT5uT/tX/VfFQ+VmW19CUMO73ebbVwJAXX5WXjX1iHD10R8W055ZIFxT46Uc\nTkW55pXB/f3jCfeAElK1RDhewIwddHbeP/U9tsys2B2RMfL3/Iou37vGEwJAFQ9H\n9lQ+6TTcRFlcxE+j5deyyh4AZ09iZWIgLdQmAj1cIhJ5OGxo7jDgYuVyzN4dA++U\njnvGvrsbuSEMFprvlQJBAI+lD5JN8W6PHWHbl2O7wVVLXWmAOB9Ks9ioDEsZQapr\nXRvsmLhqbJAqTri/ns1cazFm4XioN2SaUjFdefI5PB4=\n-----END RSA PRIVATE KEY-----\n";

    #[test]
    fn pem_keys_of_other_algorithms_are_named() {
        let p256 = der_element(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);
        let sec1 = "-----BEGIN EC PRIVATE KEY-----\nMAMCAQE=\n-----END EC PRIVATE KEY-----\n";
        let dsa = "-----BEGIN DSA PRIVATE KEY-----\nMAMCAQA=\n-----END DSA PRIVATE KEY-----\n";
        for (text, want) in [
            (
                pkcs8_of(&[0x2b, 0x65, 0x70], &[]),
                KeyError::PemNotRsa("Ed25519".into()),
            ),
            (
                pkcs8_of(&[0x2b, 0x65, 0x71], &[]),
                KeyError::PemNotRsa("Ed448".into()),
            ),
            (
                pkcs8_of(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01], &p256),
                KeyError::PemNotRsa("ECDSA".into()),
            ),
            (
                pkcs8_of(&[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01], &[]),
                KeyError::PemNotRsa("DSA".into()),
            ),
            (sec1.to_string(), KeyError::PemNotRsa("ECDSA".into())),
            (dsa.to_string(), KeyError::PemNotRsa("DSA".into())),
            (
                RSA_1024.to_string(),
                KeyError::NotRsa("the key is smaller than 2048 bits".into()),
            ),
        ] {
            assert_eq!(
                private_key_from_pem(&text).err(),
                Some(want.clone()),
                "{text}"
            );
            let message = want.to_string();
            assert!(
                !message.contains("aws-lc") && !message.contains("WrongAlgorithm"),
                "{message}"
            );
        }
        let message = KeyError::PemNotRsa("Ed25519".into()).to_string();
        assert!(
            message
                .starts_with("it is a PEM Ed25519 private key, which cannot decrypt the password"),
            "{message}"
        );
    }

    #[test]
    fn indented_and_crlf_pem_keys_are_read() {
        let (public, private) = generate_rsa(2048, "k").unwrap();
        let encrypted = encrypt_for(&public, "pw");
        let indented: String = private.lines().map(|l| format!("    {l}\n")).collect();
        for text in [
            private.clone(),
            private.replace('\n', "\r\n"),
            indented,
            format!("\n\n{private}\n\n"),
        ] {
            let key = private_key_from_pem(&text).unwrap_or_else(|e| panic!("{e}: {text:?}"));
            assert_eq!(decrypt_password(&key, &encrypted).unwrap(), "pw");
        }
    }

    /// An OpenSSH-format private key container around a public key whose
    /// algorithm is `name`, with `cipher` (`none`, or `aes256-ctr` for one
    /// with a passphrase): the part of the format the algorithm is read from.
    fn openssh_container(name: &str, cipher: &str) -> String {
        fn string(out: &mut Vec<u8>, s: &[u8]) {
            out.extend((s.len() as u32).to_be_bytes());
            out.extend_from_slice(s);
        }
        let mut public = Vec::new();
        string(&mut public, name.as_bytes());
        string(&mut public, &[1, 2, 3]);
        let mut out = b"openssh-key-v1\0".to_vec();
        string(&mut out, cipher.as_bytes());
        string(&mut out, if cipher == "none" { b"none" } else { b"bcrypt" });
        string(&mut out, b"");
        out.extend(1u32.to_be_bytes());
        string(&mut out, &public);
        string(&mut out, &[0; 16]); // the (encrypted) private part
        let b64 = base64::engine::general_purpose::STANDARD.encode(out);
        format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{b64}\n-----END OPENSSH PRIVATE KEY-----\n")
    }

    #[test]
    fn openssh_keys_are_told_apart_by_algorithm() {
        let (_, ed) = crate::resources::keypair::generate_ed25519("e").unwrap();
        let ed_wrapped = ed.replace('\n', "\r\n");
        let rsa = openssh_container("ssh-rsa", "none");
        let rsa_with_passphrase = openssh_container("ssh-rsa", "aes256-ctr");
        let ecdsa = openssh_container("ecdsa-sha2-nistp256", "none");
        let ed_with_passphrase = openssh_container("ssh-ed25519", "aes256-ctr");
        for (text, algorithm, want) in [
            (ed.as_str(), Some("ssh-ed25519"), KeyError::OpenSshNotRsa("Ed25519".into())),
            (ed_wrapped.as_str(), Some("ssh-ed25519"), KeyError::OpenSshNotRsa("Ed25519".into())),
            (ed_with_passphrase.as_str(), Some("ssh-ed25519"), KeyError::OpenSshNotRsa("Ed25519".into())),
            (rsa.as_str(), Some("ssh-rsa"), KeyError::OpenSshRsa),
            (rsa_with_passphrase.as_str(), Some("ssh-rsa"), KeyError::OpenSshRsa),
            (ecdsa.as_str(), Some("ecdsa-sha2-nistp256"), KeyError::OpenSshNotRsa("ECDSA".into())),
            // not the OpenSSH format inside the armour
            ("-----BEGIN OPENSSH PRIVATE KEY-----\n!!\n-----END OPENSSH PRIVATE KEY-----", None, KeyError::OpenSsh),
            ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n-----END OPENSSH PRIVATE KEY-----", None, KeyError::OpenSsh),
        ] {
            assert_eq!(openssh_private_key_algorithm(text).as_deref(), algorithm, "{text}");
            assert_eq!(private_key_from_pem(text).err(), Some(want), "{text}");
        }
    }

    /// The hints say what each key can become: an OpenSSH RSA key is
    /// converted to PEM with ssh-keygen; an Ed25519 key cannot decrypt a
    /// password encrypted to an RSA public key, and no ssh-keygen
    /// conversion makes it an RSA key.
    #[test]
    fn openssh_hints_tell_the_truth() {
        let rsa = KeyError::OpenSshRsa.to_string();
        assert!(
            rsa.contains("RSA private key") && rsa.contains("ssh-keygen -p -m PEM -f KEY"),
            "{rsa}"
        );
        let ed = KeyError::OpenSshNotRsa("Ed25519".into()).to_string();
        assert!(
            ed.contains("OpenSSH-format Ed25519 private key, which cannot decrypt the password"),
            "{ed}"
        );
        assert!(ed.contains("encrypts it to the public key of the server's key pair, which must be an RSA key pair"), "{ed}");
        assert!(ed.contains("`ssh-keygen -p -m PEM` only converts an OpenSSH RSA key to PEM; it does not turn Ed25519 keys into RSA keys."), "{ed}");
        assert!(ed.contains("algorithm = \"rsa\""), "{ed}");
        // never the advice to convert the Ed25519 key itself
        assert!(!ed.contains("converts it"), "{ed}");
    }

    #[test]
    fn der_lengths_round_trip() {
        for len in [0usize, 1, 127, 128, 255, 256, 1200, 70000] {
            let contents = vec![7u8; len];
            let e = der_element(OCTET_STRING, &contents);
            let (tag, c, rest) = tlv(&e).unwrap();
            assert_eq!((tag, c.len(), rest.len()), (OCTET_STRING, len, 0));
        }
        // truncated: no element
        assert_eq!(tlv(&[0x04, 0x05, 1, 2]), None);
        assert_eq!(tlv(&[0x04, 0x80]), None);
    }
}
