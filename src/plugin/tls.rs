//! AutoMTLS as go-plugin does it: Terraform hands the plugin its client
//! certificate (PLUGIN_CLIENT_CERT); the plugin makes a fresh self-signed
//! server certificate, announces it in the handshake line, and accepts only
//! a client that presents exactly Terraform's certificate.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("PLUGIN_CLIENT_CERT holds no PEM certificate")]
    NoClientCert,
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("TLS configuration failed: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The server's certificate and key, made at start-up.
pub struct ServerIdentity {
    pub cert_der: CertificateDer<'static>,
    key_der: PrivatePkcs8KeyDer<'static>,
}

impl ServerIdentity {
    pub fn generate() -> Result<ServerIdentity, TlsError> {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose as E, IsCa,
            KeyPair, KeyUsagePurpose as K,
        };
        // Ed25519: the seed comes from the operating system and signing is
        // deterministic, so the certificate is made without starting the
        // TLS library's own random generator (whose entropy start-up costs
        // tens of milliseconds; it is warmed after the handshake line).
        let seed: [u8; 32] = rand::random();
        let pkcs8 = ed25519_pkcs8(&seed);
        let key = KeyPair::from_pkcs8_der_and_sign_algo(
            &PrivatePkcs8KeyDer::from(pkcs8),
            &rcgen::PKCS_ED25519,
        )?;
        let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "terraform-provider-nova");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![K::DigitalSignature, K::KeyEncipherment, K::KeyCertSign];
        params.extended_key_usages = vec![E::ServerAuth, E::ClientAuth];
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::minutes(1);
        params.not_after = now + time::Duration::days(365);
        let cert = params.self_signed(&key)?;
        Ok(ServerIdentity {
            cert_der: cert.der().clone(),
            key_der: PrivatePkcs8KeyDer::from(key.serialize_der()),
        })
    }

    /// Starts the TLS library's random generator (entropy gathering) so
    /// that the first connection does not pay for it.
    pub fn warm_up() {
        let mut buf = [0u8; 16];
        let _ = provider().secure_random.fill(&mut buf);
    }

    /// The certificate as go-plugin's handshake line carries it: DER in
    /// standard base64 without padding.
    pub fn handshake_cert(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(self.cert_der.as_ref())
    }
}

/// PKCS#8 v1 (RFC 8410) for an Ed25519 private key: a fixed prefix, then
/// the 32-byte seed.
fn ed25519_pkcs8(seed: &[u8; 32]) -> Vec<u8> {
    const PREFIX: [u8; 16] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    let mut der = PREFIX.to_vec();
    der.extend_from_slice(seed);
    der
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Accepts exactly one client certificate; handshake signatures are checked
/// against it with the crypto provider's algorithms (P-521 included).
#[derive(Debug)]
pub struct ExactClientCert {
    expected: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl ExactClientCert {
    pub fn from_pem(pem: &str) -> Result<ExactClientCert, TlsError> {
        let mut rd = pem.as_bytes();
        let cert = rustls_pemfile::certs(&mut rd)
            .next()
            .and_then(|c| c.ok())
            .ok_or(TlsError::NoClientCert)?;
        Ok(ExactClientCert {
            expected: cert,
            provider: provider(),
        })
    }
}

impl ClientCertVerifier for ExactClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The rustls server configuration: our certificate, Terraform's client
/// certificate required, ALPN h2.
pub fn server_config(
    id: &ServerIdentity,
    client_pem: &str,
) -> Result<rustls::ServerConfig, TlsError> {
    let verifier = Arc::new(ExactClientCert::from_pem(client_pem)?);
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![id.cert_der.clone()],
            PrivateKeyDer::Pkcs8(id.key_der.clone_key()),
        )?;
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_cert_is_unpadded_base64_der() {
        let id = ServerIdentity::generate().unwrap();
        let s = id.handshake_cert();
        assert!(!s.ends_with('='));
        use base64::Engine;
        let der = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(&s)
            .unwrap();
        assert_eq!(der, id.cert_der.as_ref());
    }

    #[test]
    fn verifier_accepts_only_the_expected_certificate() {
        let a = ServerIdentity::generate().unwrap();
        let b = ServerIdentity::generate().unwrap();
        let pem = pem_of(&a.cert_der);
        let v = ExactClientCert::from_pem(&pem).unwrap();
        assert!(v
            .verify_client_cert(&a.cert_der, &[], UnixTime::now())
            .is_ok());
        assert!(v
            .verify_client_cert(&b.cert_der, &[], UnixTime::now())
            .is_err());
        assert!(v.client_auth_mandatory());
        assert!(v
            .supported_verify_schemes()
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
    }

    #[test]
    fn garbage_client_pem_is_refused() {
        assert!(matches!(
            ExactClientCert::from_pem("nope"),
            Err(TlsError::NoClientCert)
        ));
    }

    pub fn pem_of(der: &CertificateDer<'_>) -> String {
        use base64::Engine;
        let b = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
        let lines: Vec<&str> = b
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
    }
}
