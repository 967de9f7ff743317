//! `GET /embedding`: the embedding facts the framed app needs before it may talk to its host.

use axum::{Json, extract::State};
use security_info_api::EmbeddingInfo;

use crate::state::AppState;

/// Version of the postMessage contract described in `docs/embedding.md`.
pub const PROTOCOL_VERSION: u32 = 1;

/// The origins allowed to frame the app, whether bearer tokens are accepted and the step-up
/// window (public: the same origins are in every response's `frame-ancestors`).
#[utoipa::path(get, path = "/embedding", tag = "meta", security(()),
    responses((status = 200, description = "Embedding facts", body = EmbeddingInfo)))]
pub async fn get_embedding(State(state): State<AppState>) -> Json<EmbeddingInfo> {
    Json(EmbeddingInfo {
        protocol_version: PROTOCOL_VERSION,
        embed_origins: state.origins.embeds.clone(),
        bearer_tokens: state.oidc.is_some(),
        step_up_seconds: u64::try_from(state.settings.step_up_window.whole_seconds()).unwrap_or(0),
    })
}
