//! Where a request comes from: the peer's address, or behind a trusted reverse proxy the client
//! address the proxy reports in `X-Forwarded-For`.
//!
//! `X-Forwarded-For` is believed only when the connection itself comes from an address named in
//! `trusted_proxies`; anyone else could write any address there. The header is read from the
//! right (the proxy nearest to us appends last), skipping the trusted proxies themselves; the
//! first address that is not one of them is the client. A header that does not parse gives the
//! peer address.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::AppState;

/// The client address of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The client address for a request from `peer` with `headers`, trusting `trusted` proxies.
    pub fn resolve(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> Self {
        // Without a connection (an in-process call) every caller is one unspecified source.
        let peer = peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), canonical);
        if !trusted.contains(&peer) {
            return ClientAddr(peer);
        }
        let mut hops = Vec::new();
        for value in headers.get_all("x-forwarded-for") {
            let Ok(text) = value.to_str() else {
                return ClientAddr(peer);
            };
            for hop in text.split(',') {
                match hop.trim().parse::<IpAddr>() {
                    Ok(ip) => hops.push(canonical(ip)),
                    Err(_) => return ClientAddr(peer),
                }
            }
        }
        let client = hops
            .into_iter()
            .rev()
            .find(|ip| !trusted.contains(ip))
            .unwrap_or(peer);
        ClientAddr(client)
    }
}

/// IPv4-mapped IPv6 addresses as IPv4, so one client is one address whichever way it came.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddr::resolve(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy = ip("10.0.0.2");
        let trusted = [proxy, ip("10.0.0.3")];
        let table: &[(&str, &[&str], &str)] = &[
            // (peer, X-Forwarded-For values, client)
            ("198.51.100.9", &["203.0.113.5"], "198.51.100.9"),
            ("10.0.0.2", &["203.0.113.5"], "203.0.113.5"),
            ("10.0.0.2", &["1.2.3.4, 203.0.113.5"], "203.0.113.5"),
            ("10.0.0.2", &["203.0.113.5, 10.0.0.3"], "203.0.113.5"),
            ("10.0.0.2", &["1.2.3.4", "203.0.113.5"], "203.0.113.5"),
            ("10.0.0.2", &["not-an-address"], "10.0.0.2"),
            ("10.0.0.2", &[], "10.0.0.2"),
            ("10.0.0.2", &["10.0.0.3"], "10.0.0.2"),
            ("::ffff:10.0.0.2", &["::ffff:203.0.113.5"], "203.0.113.5"),
        ];
        for (peer, xff, client) in table {
            let got = ClientAddr::resolve(Some(ip(peer)), &headers(xff), &trusted);
            assert_eq!(got, ClientAddr(ip(client)), "{peer} {xff:?}");
        }
        assert_eq!(
            ClientAddr::resolve(None, &headers(&["203.0.113.5"]), &[]),
            ClientAddr(ip("0.0.0.0"))
        );
    }
}
