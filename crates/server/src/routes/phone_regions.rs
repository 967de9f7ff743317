//! `GET /phone-regions`: the countries and regions whose numbers the organization accepts, for
//! the phone form's list (public: the same for everyone, and it keeps libphonenumber's
//! metadata out of the app).

use axum::{Json, extract::State, http::header, response::IntoResponse};
use security_info_api::PhoneRegions;

use crate::{domain::phone, state::AppState};

/// The regions with their calling codes, by region code.
#[utoipa::path(get, path = "/phone-regions", tag = "meta", security(()),
    responses((status = 200, description = "Regions whose phone numbers may be registered",
               body = PhoneRegions)))]
pub async fn list_phone_regions(State(state): State<AppState>) -> impl IntoResponse {
    (
        // It changes only with the server's settings.
        [(header::CACHE_CONTROL, "public, max-age=3600")],
        Json(PhoneRegions {
            regions: phone::regions(&state.settings.phone_regions),
        }),
    )
}
