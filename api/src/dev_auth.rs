//! The development caller: a header naming a municipality and a role, for local use before a
//! real identity provider is configured. Only honoured on a loopback listener.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use axum::http::HeaderMap;
use motgift_schema::{Caller, Role};

pub const HEADER: &str = "x-motgift-dev-caller";

#[derive(Debug, thiserror::Error)]
#[error(
    "development sign-in is only allowed when listening on a loopback address (got {0}); \
     drop --dev-auth or listen on 127.0.0.1"
)]
pub struct NotLoopback(pub SocketAddr);

/// Refuses to enable development sign-in on an address reachable from other machines.
pub fn check_listen_address(listen: SocketAddr) -> Result<(), NotLoopback> {
    if listen.ip().is_loopback() {
        Ok(())
    } else {
        Err(NotLoopback(listen))
    }
}

/// Reads `x-motgift-dev-caller: 1506:coordinator[,registrar]`. Anything malformed means no
/// caller (anonymous), never an error: the edge does not fail by itself.
pub fn caller_from_headers(headers: &HeaderMap) -> Option<Caller> {
    let value = headers.get(HEADER)?.to_str().ok()?;
    let (municipalities, roles) = value.split_once(':')?;
    let municipalities: BTreeSet<_> = municipalities
        .split(',')
        .map(|m| m.trim().parse().ok())
        .collect::<Option<_>>()?;
    let roles: BTreeSet<Role> = roles
        .split(',')
        .map(|r| Role::from_code(r.trim()))
        .collect::<Option<_>>()?;
    Some(Caller {
        subject: format!("dev:{value}"),
        roles,
        municipalities,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_municipalities_and_roles() {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER, "1506,1505:coordinator,registrar".parse().unwrap());
        let caller = caller_from_headers(&headers).unwrap();
        assert_eq!(caller.municipalities.len(), 2);
        assert!(caller.has_role(Role::Registrar));
    }

    #[test]
    fn malformed_header_means_anonymous() {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER, "molde:boss".parse().unwrap());
        assert!(caller_from_headers(&headers).is_none());
    }

    #[test]
    fn only_loopback_listeners_allow_it() {
        assert!(check_listen_address("127.0.0.1:8080".parse().unwrap()).is_ok());
        assert!(check_listen_address("0.0.0.0:8080".parse().unwrap()).is_err());
    }
}
