//! `/auth/login`, `/auth/callback`, `/auth/logout`: browser sign-in (see `auth::browser`).

use axum::extract::{Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::AuthError;
use crate::auth::browser::{LOGIN_COOKIE, Redirect, cookie_value};
use crate::routes::graphql::refused;

#[derive(Deserialize)]
pub struct LoginQuery {
    return_to: Option<String>,
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn not_offered() -> Response {
    (StatusCode::NOT_FOUND, "browser sign-in is not configured").into_response()
}

fn redirect(to: Redirect) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(&to.location) {
        headers.insert(LOCATION, location);
    }
    for cookie in to.cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            headers.append(SET_COOKIE, value);
        }
    }
    response
}

pub async fn login(State(state): State<AppState>, Query(query): Query<LoginQuery>) -> Response {
    let Some(browser) = state.config.auth.browser() else {
        return not_offered();
    };
    match browser.login(query.return_to.as_deref()).await {
        Ok(to) => redirect(to),
        Err(err) => refused(&err),
    }
}

pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let Some(browser) = state.config.auth.browser() else {
        return not_offered();
    };
    if let Some(error) = query.error {
        let detail = query.error_description.unwrap_or_default();
        return refused(&AuthError::invalid(format!(
            "sign-in failed: {error} {detail}"
        )));
    }
    let (Some(code), Some(returned_state)) = (query.code, query.state) else {
        return refused(&AuthError::invalid("the callback lacks code or state"));
    };
    let pending = cookie_value(&headers, LOGIN_COOKIE);
    match browser
        .callback(&state.config.auth, &code, &returned_state, pending)
        .await
    {
        Ok(to) => redirect(to),
        Err(err) => refused(&err),
    }
}

pub async fn logout(State(state): State<AppState>) -> Response {
    match state.config.auth.browser() {
        Some(browser) => redirect(browser.logout().await),
        None => not_offered(),
    }
}
