//! Server configuration: defaults, then a TOML file, then environment variables, validated into
//! one struct at start-up. Errors name the key at fault.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The resolved configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// How long a sign-in session lasts.
    pub session_hours: u32,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// Failed sign-ins let through at once, per source address and per account, before each
    /// further attempt waits a doubling delay (see `throttle`).
    pub signin_free_attempts: u32,
    /// The longest the sign-in delay grows to.
    pub signin_max_delay_seconds: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client (exact addresses). Empty: the
    /// peer address is the client, and the header is ignored.
    pub trusted_proxies: Vec<IpAddr>,
    /// Connections served at once; further ones wait in the listen backlog.
    pub max_connections: usize,
    /// How long a client has to send a request's headers, from connecting or from the first
    /// byte of a later request on the same connection.
    pub header_timeout_seconds: u32,
    /// How long a kept-alive connection may sit idle between requests.
    pub idle_timeout_seconds: u32,
    /// PEM certificate chain for HTTPS. With `tls_key`, the server speaks only TLS (1.2 and 1.3,
    /// rustls); without both, plain HTTP (behind a terminating proxy, or on loopback).
    pub tls_cert: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) for `tls_cert`. Keep it mode 0600.
    pub tls_key: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            session_hours: 8,
            max_body_bytes: 1 << 20,
            signin_free_attempts: 5,
            signin_max_delay_seconds: 300,
            trusted_proxies: Vec::new(),
            max_connections: 1024,
            header_timeout_seconds: 10,
            idle_timeout_seconds: 60,
            tls_cert: None,
            tls_key: None,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}")]
    Unreadable { path: String },
    #[error("configuration file {path}: {message}")]
    Invalid { path: String, message: String },
    #[error("environment variable {name}: {message}")]
    Env { name: &'static str, message: String },
}

/// Environment overrides: variable name and the key it sets.
const ENV: [(&str, &str); 11] = [
    ("CARETRAIL_LISTEN", "listen"),
    ("CARETRAIL_SESSION_HOURS", "session_hours"),
    ("CARETRAIL_MAX_BODY_BYTES", "max_body_bytes"),
    ("CARETRAIL_SIGNIN_FREE_ATTEMPTS", "signin_free_attempts"),
    (
        "CARETRAIL_SIGNIN_MAX_DELAY_SECONDS",
        "signin_max_delay_seconds",
    ),
    ("CARETRAIL_TRUSTED_PROXIES", "trusted_proxies"),
    ("CARETRAIL_MAX_CONNECTIONS", "max_connections"),
    ("CARETRAIL_HEADER_TIMEOUT_SECONDS", "header_timeout_seconds"),
    ("CARETRAIL_IDLE_TIMEOUT_SECONDS", "idle_timeout_seconds"),
    ("CARETRAIL_TLS_CERT", "tls_cert"),
    ("CARETRAIL_TLS_KEY", "tls_key"),
];

impl ServerConfig {
    /// Loads defaults, then `file` (if given), then the environment as `env` reports it.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut config = match file {
            None => ServerConfig::default(),
            Some(path) => {
                let p = path.display().to_string();
                let text = std::fs::read_to_string(path)
                    .map_err(|_| ConfigError::Unreadable { path: p.clone() })?;
                toml::from_str(&text).map_err(|e| ConfigError::Invalid {
                    path: p,
                    message: e.message().to_owned(),
                })?
            }
        };
        for (name, key) in ENV {
            let Some(value) = env(name) else { continue };
            let bad = |what: &str| ConfigError::Env {
                name,
                message: format!("{key} must be {what}"),
            };
            match key {
                "listen" => {
                    config.listen = value
                        .parse()
                        .map_err(|_| bad("an address such as 127.0.0.1:8080"))?
                }
                "session_hours" => {
                    config.session_hours =
                        value.parse().map_err(|_| bad("a whole number of hours"))?
                }
                "max_body_bytes" => {
                    config.max_body_bytes = value.parse().map_err(|_| bad("a number of bytes"))?
                }
                "signin_free_attempts" => {
                    config.signin_free_attempts =
                        value.parse().map_err(|_| bad("a whole number"))?
                }
                "signin_max_delay_seconds" => {
                    config.signin_max_delay_seconds = value
                        .parse()
                        .map_err(|_| bad("a whole number of seconds"))?
                }
                "trusted_proxies" => {
                    config.trusted_proxies = value
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::parse)
                        .collect::<Result<_, _>>()
                        .map_err(|_| bad("a comma-separated list of IP addresses"))?
                }
                "max_connections" => {
                    config.max_connections = value.parse().map_err(|_| bad("a whole number"))?
                }
                "header_timeout_seconds" => {
                    config.header_timeout_seconds = value
                        .parse()
                        .map_err(|_| bad("a whole number of seconds"))?
                }
                "idle_timeout_seconds" => {
                    config.idle_timeout_seconds = value
                        .parse()
                        .map_err(|_| bad("a whole number of seconds"))?
                }
                "tls_cert" => config.tls_cert = Some(PathBuf::from(value)),
                _ => config.tls_key = Some(PathBuf::from(value)),
            }
        }
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |message: &str| ConfigError::Invalid {
            path: "(resolved configuration)".into(),
            message: message.into(),
        };
        if !(1..=24 * 30).contains(&self.session_hours) {
            return Err(invalid("session_hours must be 1 to 720"));
        }
        if !(1024..=64 << 20).contains(&self.max_body_bytes) {
            return Err(invalid("max_body_bytes must be 1 KiB to 64 MiB"));
        }
        if self.signin_max_delay_seconds == 0 {
            return Err(invalid("signin_max_delay_seconds must be at least 1"));
        }
        if self.max_connections == 0 {
            return Err(invalid("max_connections must be at least 1"));
        }
        if !(1..=300).contains(&self.header_timeout_seconds) {
            return Err(invalid("header_timeout_seconds must be 1 to 300"));
        }
        if !(1..=3600).contains(&self.idle_timeout_seconds) {
            return Err(invalid("idle_timeout_seconds must be 1 to 3600"));
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return Err(invalid(
                "tls_cert and tls_key go together: set both, or neither",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment_override_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("caretrail.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9000\"\nsession_hours = 4\n").unwrap();
        let c = ServerConfig::load(Some(&path), |_| None).unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.session_hours, 4);
        assert_eq!(c.signin_free_attempts, 5);
        let c = ServerConfig::load(Some(&path), |k| {
            (k == "CARETRAIL_LISTEN").then(|| "0.0.0.0:7000".to_owned())
        })
        .unwrap();
        assert_eq!(c.listen.port(), 7000);
    }

    #[test]
    fn errors_name_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "listn = \"x\"\n").unwrap();
        let e = ServerConfig::load(Some(&path), |_| None).unwrap_err();
        assert!(e.to_string().contains("listn"), "{e}");
        let e = ServerConfig::load(None, |k| {
            (k == "CARETRAIL_SESSION_HOURS").then(|| "many".to_owned())
        })
        .unwrap_err();
        assert!(e.to_string().contains("CARETRAIL_SESSION_HOURS"), "{e}");
        let e = ServerConfig::load(None, |k| {
            (k == "CARETRAIL_SESSION_HOURS").then(|| "0".to_owned())
        })
        .unwrap_err();
        assert!(e.to_string().contains("session_hours"), "{e}");
        assert!(matches!(
            ServerConfig::load(Some(&dir.path().join("none.toml")), |_| None),
            Err(ConfigError::Unreadable { .. })
        ));
        let e = ServerConfig::load(None, |k| {
            (k == "CARETRAIL_TLS_CERT").then(|| "/etc/caretrail/cert.pem".to_owned())
        })
        .unwrap_err();
        assert!(e.to_string().contains("tls_key"), "{e}");
        let e = ServerConfig::load(None, |k| {
            (k == "CARETRAIL_TRUSTED_PROXIES").then(|| "10.0.0.1, proxy".to_owned())
        })
        .unwrap_err();
        assert!(e.to_string().contains("CARETRAIL_TRUSTED_PROXIES"), "{e}");
    }

    #[test]
    fn trusted_proxies_come_from_a_list() {
        let c = ServerConfig::load(None, |k| {
            (k == "CARETRAIL_TRUSTED_PROXIES").then(|| "10.0.0.1, ::1".to_owned())
        })
        .unwrap();
        assert_eq!(
            c.trusted_proxies,
            [
                "10.0.0.1".parse::<IpAddr>().unwrap(),
                "::1".parse().unwrap()
            ]
        );
    }
}
