//! Problem answers for unknown paths and methods under `/api/v1`.

use security_info_api::ProblemCode;

use crate::error::ApiError;

/// Unknown path: 404 `not_found`.
pub async fn not_found() -> ApiError {
    ApiError::code(ProblemCode::NotFound)
}

/// Known path, wrong HTTP method: 405 `method_not_supported`.
pub async fn method_not_supported() -> ApiError {
    ApiError::code(ProblemCode::MethodNotSupported)
}
