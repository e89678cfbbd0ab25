//! The committed `schema/schema.graphql` must match the schema the code builds, so front-end
//! developers and schema-diff tools read the truth.

#[test]
fn committed_sdl_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let generated = motgift_schema::graphql::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &generated).expect("write schema.graphql");
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema/schema.graphql differs from the schema in the code.\n\
         Regenerate it with:  UPDATE_SCHEMA=1 cargo test -p motgift-schema --test sdl"
    );
}
