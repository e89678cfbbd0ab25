//! The application started in-process on a free port, talked to over real HTTP.

use std::sync::Arc;

use motgift_api::app::{AppState, router};
use motgift_api::config::AppConfig;
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
    /// The development caller sent with every request (`1506:coordinator`), if any.
    caller: Option<String>,
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
    /// through a proxy).
    pub async fn serve(db: TestDb, store: Store) -> Self {
        let state = AppState::new(
            store,
            AppConfig {
                dev_auth: true,
                ..AppConfig::default()
            },
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            axum::serve(listener, router(state)).await.expect("serve");
        })
        .abort_handle();
        Self {
            db: Arc::new(db),
            base_url: format!("http://{address}"),
            client: reqwest::Client::new(),
            caller: None,
            _server: Arc::new(Server(server)),
        }
    }

    /// Sends later requests as the given development caller, such as `1506:coordinator`.
    pub fn with_caller(mut self, caller: &str) -> Self {
        self.caller = Some(caller.to_owned());
        self
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base_url))
            .send()
            .await
            .expect("GET")
    }

    /// Posts a GraphQL request and returns the whole response body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.base_url))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(caller) = &self.caller {
            request = request.header(motgift_api::dev_auth::HEADER, caller);
        }
        let response = request.send().await.expect("POST /graphql");
        assert!(
            response.status().is_success(),
            "POST /graphql answered {}",
            response.status()
        );
        response.json().await.expect("GraphQL response is JSON")
    }

    /// Posts a GraphQL request that must succeed and returns its `data`.
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
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
