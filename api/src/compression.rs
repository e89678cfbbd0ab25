//! Responses go gzip-compressed to clients that take it: dashboards' JSON shrinks to a tenth.
//! A kept answer is compressed once and sent as kept (see the schema's kept answers); every
//! other response is compressed as it is sent, at the fastest level, by tower-http's layer,
//! which leaves a response that already has a `Content-Encoding` as it is. Bodies under
//! [`MIN_COMPRESSED_BYTES`] (a write's answer, an error) go as they are.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT_ENCODING;
use motgift_schema::graphql::{BodyEncoding, MIN_COMPRESSED_BYTES};
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};

/// The layer that compresses responses built per request: tower-http's default choice of
/// what to compress, with our floor on the size.
pub fn layer() -> CompressionLayer<impl Predicate> {
    let floor = u16::try_from(MIN_COMPRESSED_BYTES).unwrap_or(u16::MAX);
    CompressionLayer::new()
        .quality(CompressionLevel::Fastest)
        .compress_when(
            SizeAbove::new(floor)
                .and(NotForContentType::GRPC)
                .and(NotForContentType::IMAGES)
                .and(NotForContentType::SSE),
        )
}

/// How the client takes a kept answer: gzip when its `Accept-Encoding` names `gzip` (or `*`)
/// with a weight above zero, and `gzip` is not named with weight zero.
pub fn accepted(headers: &HeaderMap) -> BodyEncoding {
    let mut gzip = None;
    let mut any = None;
    let offers = headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','));
    for offer in offers {
        let mut parts = offer.split(';');
        let coding = parts.next().unwrap_or_default().trim();
        let weight = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .map(|q| q.trim().parse::<f32>().unwrap_or(0.0))
            .next()
            .unwrap_or(1.0);
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(weight);
        } else if coding == "*" {
            any = Some(weight);
        }
    }
    match gzip.or(any) {
        Some(weight) if weight > 0.0 => BodyEncoding::Gzip,
        _ => BodyEncoding::Identity,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn accepted_for(values: &[&str]) -> BodyEncoding {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        }
        accepted(&headers)
    }

    #[test]
    fn gzip_is_sent_only_to_clients_that_take_it() {
        use BodyEncoding::{Gzip, Identity};
        assert_eq!(accepted_for(&[]), Identity);
        assert_eq!(accepted_for(&["gzip, deflate, br, zstd"]), Gzip);
        assert_eq!(accepted_for(&["br", "GZip;q=0.5"]), Gzip);
        assert_eq!(accepted_for(&["*"]), Gzip);
        assert_eq!(accepted_for(&["br, identity"]), Identity);
        // Weight zero refuses, also when `*` would allow it.
        assert_eq!(accepted_for(&["gzip;q=0"]), Identity);
        assert_eq!(accepted_for(&["*, gzip; q=0.000"]), Identity);
        assert_eq!(accepted_for(&["*;q=0"]), Identity);
        // A weight that does not parse counts as zero: nothing is assumed.
        assert_eq!(accepted_for(&["gzip;q=high"]), Identity);
    }
}
