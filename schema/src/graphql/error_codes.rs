//! Gives every error a stable `extensions.code`, including the errors async-graphql raises
//! itself while parsing and validating a request (a misspelt enum value, a number out of
//! range, a query over a limit), so clients branch on codes, never on message text.

use async_graphql::{Response, ServerError};

/// Gives each error of a response its code. Applied once to the whole response, where an
/// async-graphql extension would also wrap every field resolved (some 5 % of a large
/// dashboard's time).
pub(crate) fn classify_all(response: &mut Response) {
    for error in &mut response.errors {
        classify(error);
    }
}

/// The limits a request can exceed, as async-graphql words them.
const LIMITS: [(&str, &str); 4] = [
    ("nested too deep", "depth"),
    ("too complex", "complexity"),
    ("too many directives", "directives"),
    ("recursive depth", "recursiveDepth"),
];

fn classify(error: &mut ServerError) {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_some() {
        return;
    }
    if let Some((_, limit)) = LIMITS
        .iter()
        .find(|(words, _)| error.message.contains(words))
    {
        extensions.set("code", "LIMIT_EXCEEDED");
        extensions.set("limit", *limit);
        return;
    }
    if error.message.starts_with("Failed to parse") {
        // An input value that passed validation but not parsing, such as an integer beyond
        // the range of `Int`; async-graphql does not say which field, only the argument.
        extensions.set("code", "VALIDATION");
        extensions.set("field", "input");
        return;
    }
    if !error.path.is_empty() {
        // A resolver error without a code is a bug of ours, not the client's.
        extensions.set("code", "INTERNAL");
        return;
    }
    match input_field(&error.message) {
        Some(field) => {
            extensions.set("code", "VALIDATION");
            extensions.set("field", field);
        }
        None => extensions.set("code", "BAD_REQUEST"),
    }
}

/// The input field an argument or variable error is about, such as `kits`, read from
/// the message (`Invalid value for argument "input.kits", ...`).
fn input_field(message: &str) -> Option<String> {
    for marker in ["argument \"", "variable \"", "Variable \""] {
        if let Some(start) = message.find(marker) {
            let rest = &message[start + marker.len()..];
            let end = rest.find('"')?;
            let name = rest[..end].trim_start_matches('$');
            // Mutations take one `input` argument; fields are named within it, as ours are.
            return Some(name.strip_prefix("input.").unwrap_or(name).to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_field_of_an_argument_error() {
        assert_eq!(
            input_field(
                r#"Invalid value for argument "input.outcome", enumeration type "Outcome" does not contain the value "X""#
            ),
            Some("outcome".to_owned())
        );
        assert_eq!(input_field("Unknown field \"x\""), None);
    }
}
