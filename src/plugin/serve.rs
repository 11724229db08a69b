//! Process start-up: the go-plugin handshake, listening, AutoMTLS, and
//! debug (reattach) mode.

use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tonic::transport::server::Connected;

use crate::framework::runtime::{Provider, Runtime};

use super::grpc::{Controller, Health, ProviderService};
use super::proto::{goplugin, health, tfplugin6 as pb};
use super::tls;

pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
pub const CORE_PROTOCOL_VERSION: u32 = 1;
pub const APP_PROTOCOL_VERSION: u32 = 6;

/// Where the provider is installed from, as written in reattach JSON.
pub const DEFAULT_ADDRESS: &str = "registry.terraform.io/nova-project/nova";

pub struct ServeConfig {
    pub debug: bool,
    pub provider_address: String,
}

#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    #[error(
        "This binary is a plugin. These are not meant to be executed directly. \
         Please execute the program that consumes these plugins, which will load any plugins automatically"
    )]
    NotLaunchedByTerraform,
    #[error("Terraform offered plugin protocol versions {0:?}; this provider speaks protocol 6 only (Terraform 1.0 or newer)")]
    NoCommonProtocol(String),
    #[error("no free port between {0} and {1}")]
    NoPort(u16, u16),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The settings Terraform passes through the environment.
#[derive(Debug, Clone, PartialEq)]
pub struct Handshake {
    pub min_port: u16,
    pub max_port: u16,
    pub client_cert: Option<String>,
}

impl Handshake {
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Handshake, HandshakeError> {
        if get(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
            return Err(HandshakeError::NotLaunchedByTerraform);
        }
        if let Some(versions) = get("PLUGIN_PROTOCOL_VERSIONS") {
            let offered: Vec<&str> = versions.split(',').map(str::trim).collect();
            if !offered.contains(&"6") {
                return Err(HandshakeError::NoCommonProtocol(versions));
            }
        }
        let port = |k: &str, d: u16| get(k).and_then(|v| v.parse().ok()).unwrap_or(d);
        let tls_disabled = get("TF_DISABLE_PLUGIN_TLS")
            .map(|v| !v.is_empty())
            .unwrap_or(false);
        Ok(Handshake {
            min_port: port("PLUGIN_MIN_PORT", 10000),
            max_port: port("PLUGIN_MAX_PORT", 25000),
            client_cert: if tls_disabled {
                None
            } else {
                get("PLUGIN_CLIENT_CERT").filter(|c| !c.is_empty())
            },
        })
    }
}

/// The line go-plugin reads from the plugin's stdout.
pub fn handshake_line(addr: &std::net::SocketAddr, cert: Option<&str>) -> String {
    format!(
        "{CORE_PROTOCOL_VERSION}|{APP_PROTOCOL_VERSION}|tcp|{addr}|grpc|{}",
        cert.unwrap_or_default()
    )
}

async fn bind_in_range(min: u16, max: u16) -> Result<TcpListener, HandshakeError> {
    for port in min..=max {
        if let Ok(l) = TcpListener::bind(("127.0.0.1", port)).await {
            return Ok(l);
        }
    }
    Err(HandshakeError::NoPort(min, max))
}

/// A TLS connection, as tonic wants its connections.
pub struct TlsConn(tokio_rustls::server::TlsStream<TcpStream>);

impl Connected for TlsConn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for TlsConn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

fn router<P: Provider>(
    rt: Arc<Runtime<P>>,
    shutdown: Arc<tokio::sync::Notify>,
    debug: bool,
) -> tonic::transport::server::Router {
    let svc = pb::provider_server::ProviderServer::new(ProviderService::new(rt))
        .max_decoding_message_size(256 << 20)
        .max_encoding_message_size(256 << 20);
    tonic::transport::Server::builder()
        .add_service(svc)
        .add_service(goplugin::grpc_controller_server::GrpcControllerServer::new(
            Controller {
                shutdown,
                ignore_shutdown: debug,
            },
        ))
        .add_service(health::health_server::HealthServer::new(Health))
}

/// Serves the provider until Terraform asks it to shut down. Returns the
/// process exit code.
pub async fn run<P: Provider>(provider: P, cfg: ServeConfig) -> i32 {
    let rt = Arc::new(Runtime::new(provider));
    let shutdown = Arc::new(tokio::sync::Notify::new());
    if cfg.debug {
        return run_debug(rt, shutdown, &cfg.provider_address).await;
    }
    let hs = match Handshake::from_env(|k| std::env::var(k).ok()) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    match serve(rt, shutdown, hs).await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("terraform-provider-nova: {e}");
            1
        }
    }
}

async fn serve<P: Provider>(
    rt: Arc<Runtime<P>>,
    shutdown: Arc<tokio::sync::Notify>,
    hs: Handshake,
) -> Result<(), HandshakeError> {
    let listener = bind_in_range(hs.min_port, hs.max_port).await?;
    let addr = listener.local_addr()?;
    // Terraform forwards Ctrl-C to the whole process group; the provider
    // keeps running and stops through StopProvider and Shutdown instead.
    tokio::spawn(async {
        while tokio::signal::ctrl_c().await.is_ok() {
            tracing::debug!("interrupt received; waiting for Terraform to stop the provider");
        }
    });
    let stopped = {
        let s = shutdown.clone();
        async move { s.notified().await }
    };
    match hs.client_cert {
        Some(pem) => {
            let id = tls::ServerIdentity::generate()?;
            let acceptor =
                tokio_rustls::TlsAcceptor::from(Arc::new(tls::server_config(&id, &pem)?));
            announce(&addr, Some(&id.handshake_cert()))?;
            std::thread::spawn(tls::ServerIdentity::warm_up);
            let (tx, rx) = tokio::sync::mpsc::channel::<Result<TlsConn, std::io::Error>>(16);
            tokio::spawn(async move {
                loop {
                    let Ok((tcp, peer)) = listener.accept().await else {
                        continue;
                    };
                    let acceptor = acceptor.clone();
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        match acceptor.accept(tcp).await {
                            Ok(tls) => {
                                let _ = tx.send(Ok(TlsConn(tls))).await;
                            }
                            Err(e) => {
                                tracing::warn!(peer = %peer, error = %e, "refused a TLS connection")
                            }
                        }
                    });
                }
            });
            let incoming = tokio_stream::wrappers::ReceiverStream::new(rx);
            router(rt, shutdown.clone(), false)
                .serve_with_incoming_shutdown(incoming, stopped)
                .await
                .map_err(|e| std::io::Error::other(e.to_string()))?;
        }
        None => {
            announce(&addr, None)?;
            let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
            router(rt, shutdown.clone(), false)
                .serve_with_incoming_shutdown(incoming, stopped)
                .await
                .map_err(|e| std::io::Error::other(e.to_string()))?;
        }
    }
    Ok(())
}

fn announce(addr: &std::net::SocketAddr, cert: Option<&str>) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", handshake_line(addr, cert))?;
    out.flush()
}

/// The TF_REATTACH_PROVIDERS value for a provider listening on `addr`.
pub fn reattach_json(provider_address: &str, pid: u32, addr: &std::net::SocketAddr) -> String {
    serde_json::json!({
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": APP_PROTOCOL_VERSION,
            "Pid": pid,
            "Test": true,
            "Addr": {"Network": "tcp", "String": addr.to_string()}
        }
    })
    .to_string()
}

async fn run_debug<P: Provider>(
    rt: Arc<Runtime<P>>,
    shutdown: Arc<tokio::sync::Notify>,
    provider_address: &str,
) -> i32 {
    let listener = match TcpListener::bind(("127.0.0.1", 0)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("terraform-provider-nova: {e}");
            return 1;
        }
    };
    let addr = listener.local_addr().expect("bound socket has an address");
    let json = reattach_json(provider_address, std::process::id(), &addr);
    println!(
        "Provider started in debug mode. To attach Terraform, set in the shell that runs it:\n\n\tTF_REATTACH_PROVIDERS='{json}'\n\nStop the provider with Ctrl-C."
    );
    let _ = std::io::stdout().flush();
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match router(rt, shutdown, true)
        .serve_with_incoming_shutdown(incoming, stop)
        .await
    {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("terraform-provider-nova: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn refuses_without_the_magic_cookie() {
        let e = Handshake::from_env(env(&[])).unwrap_err();
        assert!(matches!(e, HandshakeError::NotLaunchedByTerraform));
        let e = Handshake::from_env(env(&[(MAGIC_COOKIE_KEY, "wrong")])).unwrap_err();
        assert!(e.to_string().contains("not meant to be executed directly"));
    }

    #[test]
    fn negotiates_protocol_six() {
        let ok = Handshake::from_env(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
        ]));
        assert!(ok.is_ok());
        let e = Handshake::from_env(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "4,5"),
        ]));
        assert!(matches!(e, Err(HandshakeError::NoCommonProtocol(_))));
    }

    #[test]
    fn reads_ports_and_tls_settings() {
        let h = Handshake::from_env(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_MIN_PORT", "12000"),
            ("PLUGIN_MAX_PORT", "12010"),
            ("PLUGIN_CLIENT_CERT", "PEM"),
        ]))
        .unwrap();
        assert_eq!(
            (h.min_port, h.max_port, h.client_cert.as_deref()),
            (12000, 12010, Some("PEM"))
        );
        let h = Handshake::from_env(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_CLIENT_CERT", "PEM"),
            ("TF_DISABLE_PLUGIN_TLS", "1"),
        ]))
        .unwrap();
        assert_eq!(h.client_cert, None, "TF_DISABLE_PLUGIN_TLS means plaintext");
    }

    #[test]
    fn handshake_line_format() {
        let addr: std::net::SocketAddr = "127.0.0.1:12345".parse().unwrap();
        assert_eq!(
            handshake_line(&addr, Some("Q0VSVA")),
            "1|6|tcp|127.0.0.1:12345|grpc|Q0VSVA"
        );
        assert_eq!(handshake_line(&addr, None), "1|6|tcp|127.0.0.1:12345|grpc|");
    }

    #[test]
    fn reattach_json_carries_test_flag() {
        let addr: std::net::SocketAddr = "127.0.0.1:4000".parse().unwrap();
        let j: serde_json::Value =
            serde_json::from_str(&reattach_json("registry.terraform.io/a/nova", 42, &addr))
                .unwrap();
        let p = &j["registry.terraform.io/a/nova"];
        assert_eq!(p["Test"], true);
        assert_eq!(p["ProtocolVersion"], 6);
        assert_eq!(p["Pid"], 42);
        assert_eq!(p["Addr"]["String"], "127.0.0.1:4000");
    }
}
