//! The application started in-process on a free port, talked to over real HTTP.

use std::sync::Arc;

use motgift_api::app::{AppState, router};
use motgift_api::auth::Authenticator;
use motgift_api::auth::dev_issuer::DevIssuer;
use motgift_api::auth::settings::AuthSettings;
use motgift_api::config::AppConfig;
use motgift_schema::Role;
use motgift_schema::Store;
use motgift_schema::domain::{Kommunenummer, SiteKind};
use motgift_schema::graphql::GlobalId;
use motgift_schema::store::{NewSite, TenantScope};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::AbortHandle;

use crate::db::{Backend, TestDb};

#[derive(Clone)]
pub struct TestApp {
    pub db: Arc<TestDb>,
    pub base_url: String,
    pub client: reqwest::Client,
    /// The development issuer the application trusts, to mint callers' tokens.
    pub dev_issuer: Arc<DevIssuer>,
    /// The store the application serves (its caches are the instance's own).
    store: Store,
    /// The `Authorization` header sent with every request, if any.
    authorization: Option<String>,
    /// Held, not read: the server stops when the last clone is dropped.
    _server: Arc<Server>,
}

/// Stops the server when the last handle to the application is dropped.
struct Server(AbortHandle);

impl Drop for Server {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl TestApp {
    /// A fresh database of the given kind and the application serving it.
    pub async fn spawn(backend: Backend) -> Self {
        let db = TestDb::new(backend).await;
        let store = db.store();
        Self::serve(db, store).await
    }

    /// Serves the given database through its own store (for example one whose pool goes
    /// through a proxy), trusting the development issuer only.
    pub async fn serve(db: TestDb, store: Store) -> Self {
        Self::serve_with(db, store, &AuthSettings::default()).await
    }

    /// Serves the given database trusting the given issuers besides the development issuer.
    pub async fn serve_with(db: TestDb, store: Store, settings: &AuthSettings) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        Self::serve_on(listener, db, store, settings).await
    }

    /// As `serve_with`, on a listener bound beforehand (so an identity provider can be told
    /// the callback address first).
    pub async fn serve_on(
        listener: TcpListener,
        db: TestDb,
        store: Store,
        settings: &AuthSettings,
    ) -> Self {
        Self::serve_configured(listener, db, store, settings, |_| {}).await
    }

    /// As `serve_on`, with the application's configuration adjusted by `configure`.
    pub async fn serve_configured(
        listener: TcpListener,
        db: TestDb,
        store: Store,
        settings: &AuthSettings,
        configure: impl FnOnce(&mut AppConfig),
    ) -> Self {
        Self::serve_shared(listener, Arc::new(db), store, settings, configure).await
    }

    /// Another instance of the service on the same database, with caches of its own (as a
    /// second instance behind a load balancer, or this one restarted).
    pub async fn another_instance(&self) -> Self {
        self.another_instance_with(|store| store).await
    }

    /// Another instance on the same database, its store set up by `configure`.
    pub async fn another_instance_with(&self, configure: impl FnOnce(Store) -> Store) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let store = configure(self.db.store());
        Self::serve_shared(
            listener,
            self.db.clone(),
            store,
            &AuthSettings::default(),
            |_| {},
        )
        .await
    }

    async fn serve_shared(
        listener: TcpListener,
        db: Arc<TestDb>,
        store: Store,
        settings: &AuthSettings,
        configure: impl FnOnce(&mut AppConfig),
    ) -> Self {
        let key =
            std::env::temp_dir().join(format!("motgift-dev-key-{}.pem", uuid::Uuid::new_v4()));
        let dev_issuer = Arc::new(DevIssuer::load_or_create(&key).expect("development key"));
        let _ = std::fs::remove_file(&key);
        let mut config = AppConfig {
            auth: Arc::new(Authenticator::new(settings, Some(&dev_issuer))),
            ..AppConfig::default()
        };
        configure(&mut config);
        let state = AppState::new(store.clone(), config);
        let address = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            // With the peer address, as the binary serves (rate limits key anonymous callers by it).
            let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, app).await.expect("serve");
        })
        .abort_handle();
        Self {
            db,
            base_url: format!("http://{address}"),
            client: reqwest::Client::new(),
            dev_issuer,
            store,
            authorization: None,
            _server: Arc::new(Server(server)),
        }
    }

    /// The store the application serves, for what the service does beside requests.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Sends later requests with a development token for a caller written
    /// `municipalities:roles`, such as `1506:coordinator`, `1505,1506:registrar` or `:analyst`.
    pub fn with_caller(self, caller: &str) -> Self {
        let (municipalities, roles) = caller.split_once(':').expect("municipalities:roles");
        let municipalities: Vec<Kommunenummer> = municipalities
            .split(',')
            .filter(|m| !m.is_empty())
            .map(|m| m.parse().expect("kommunenummer"))
            .collect();
        let roles: Vec<Role> = roles
            .split(',')
            .map(|r| Role::from_code(r).expect("role"))
            .collect();
        let token = self.dev_issuer.token(&municipalities, &roles, 1);
        self.with_bearer(&token)
    }

    /// Sends later requests with this bearer token.
    pub fn with_bearer(mut self, token: &str) -> Self {
        self.authorization = Some(format!("Bearer {token}"));
        self
    }

    /// Sends later requests without credentials.
    pub fn anonymous(mut self) -> Self {
        self.authorization = None;
        self
    }

    /// A GraphQL request with the caller's credentials, for a test to add headers to and send.
    pub fn graphql_request(&self, query: &str, variables: Value) -> reqwest::RequestBuilder {
        let request = self
            .client
            .post(format!("{}/graphql", self.base_url))
            .json(&json!({ "query": query, "variables": variables }));
        match &self.authorization {
            Some(authorization) => request.header("authorization", authorization),
            None => request,
        }
    }

    /// Posts a GraphQL request and returns the HTTP status and the whole response body.
    pub async fn graphql_with_status(&self, query: &str, variables: Value) -> (u16, Value) {
        let request = self.graphql_request(query, variables);
        let response = request.send().await.expect("POST /graphql");
        let status = response.status().as_u16();
        let body = response.json().await.expect("GraphQL response is JSON");
        (status, body)
    }

    /// Sends `GET path` with the caller's credentials.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        let mut request = self.client.get(format!("{}{path}", self.base_url));
        if let Some(authorization) = &self.authorization {
            request = request.header("authorization", authorization);
        }
        request.send().await.expect("GET")
    }

    /// Posts a GraphQL request and returns the whole response body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.graphql_with_status(query, variables).await.1
    }

    /// Posts a GraphQL request that must succeed and returns its `data`.
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// How many answers the service has sent as kept, from its metrics.
    pub async fn kept_answers_served(&self) -> u64 {
        self.metric("motgift_cache_lookups_total{cache=\"answers\",result=\"hit\"}")
            .await
    }

    /// How many bytes the kept answers hold, from the service's metrics.
    pub async fn kept_answer_bytes(&self) -> u64 {
        self.metric("motgift_cache_size{cache=\"answers\",unit=\"bytes\"}")
            .await
    }

    /// How many kept panels the service has kept on after a write that left their counts as
    /// they were, from its metrics.
    pub async fn panels_kept_on(&self) -> u64 {
        self.metric("motgift_cache_kept_on_total{cache=\"panels\"}")
            .await
    }

    /// How many published panels the service has not found kept at the versions asked for,
    /// from its metrics.
    pub async fn panel_misses(&self) -> u64 {
        self.metric("motgift_cache_lookups_total{cache=\"panels\",result=\"miss\"}")
            .await
    }

    /// Makes this instance read the data versions at its next request: after a write made
    /// beside it that nobody notified (SQL, a store of the test's own), before asking it for
    /// what the write changed.
    pub fn forget_known_versions(&self) {
        self.store.forget_known_versions();
    }

    /// The value of one series of the service's metrics (`name{labels}`), 0 when absent.
    pub async fn metric(&self, series: &str) -> u64 {
        let metrics = self.get("/metrics").await.text().await.expect("metrics");
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .map_or(0, |n| n.parse().expect("a count"))
    }
}

impl TestApp {
    /// Adds a naloxone distribution site to a municipality and returns its global id.
    pub async fn add_site(&self, kommunenummer: &str, name: &str) -> String {
        let kommunenummer: Kommunenummer = kommunenummer.parse().expect("kommunenummer");
        let id = uuid::Uuid::now_v7();
        self.db
            .store()
            .system_tenant(TenantScope::new([kommunenummer.clone()]))
            .insert_sites(&[NewSite {
                kommunenummer,
                id,
                name: name.to_owned(),
                kind: SiteKind::LowThresholdService,
            }])
            .await
            .expect("insert site");
        self.forget_known_versions();
        GlobalId::encode("DistributionSite", id).0
    }
}

/// The first error of a GraphQL response, which must have one and no data for the field.
pub fn first_error(body: &Value) -> &Value {
    body["errors"]
        .get(0)
        .unwrap_or_else(|| panic!("expected an error: {body:#}"))
}

/// The `extensions.code` of a response's first error.
pub fn error_code(body: &Value) -> &str {
    first_error(body)["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("error without a code: {body:#}"))
}
