//! The application started in-process on a free port, talked to over real HTTP.

use motgift_api::app::{AppState, router};
use motgift_api::config::AppConfig;
use motgift_schema::Store;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::AbortHandle;

use crate::db::{Backend, TestDb};

pub struct TestApp {
    pub db: TestDb,
    pub base_url: String,
    pub client: reqwest::Client,
    /// The development caller sent with every request (`1506:coordinator`), if any.
    caller: Option<String>,
    server: AbortHandle,
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
            db,
            base_url: format!("http://{address}"),
            client: reqwest::Client::new(),
            caller: None,
            server,
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

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}
