//! One module per method type. Each gives the app what is particular to its type: its name,
//! its icon, how a method's detail reads, the form of the first step of adding one, and the
//! texts of the problems only it can cause. The list, the Add-a-method dialog, the delete
//! dialog and the usage table ask [`of`] and never match on a type themselves.
//!
//! [`of`] and [`detail`] are the only places that name every type: adding a type is its
//! module here, its locale strings and one arm in each.

pub mod authenticator_app;
pub mod email;
pub mod phone;
pub mod security_key;
pub mod security_questions;

use leptos::prelude::*;
use security_info_api::{Method, MethodDetail, MethodType, ProblemCode, StartRegistration};

use crate::add_method::Started;
use crate::i18n::{I18n, Key};

/// What a type's form is given by the Add-a-method dialog.
#[derive(Clone)]
pub struct FormContext {
    /// What the form sent last time, when the user came back from the challenge (so the form
    /// shows what they typed).
    pub previous: Option<StartRegistration>,
    /// The organization's own domains (addresses in them cannot be a method).
    pub org_domains: Signal<Vec<String>>,
    /// Called once the server has started the registration.
    pub on_started: Callback<Started>,
    /// Called with the method when the form registered it itself (a security key: the
    /// browser's prompt is the challenge).
    pub on_added: Callback<Method>,
    /// Called on **Cancel**.
    pub on_cancel: Callback<()>,
}

/// What the app knows of one method type.
pub trait MethodUi: Sync {
    /// The type's name ("Email").
    fn name(&self) -> Key;

    /// The name a method of this type has in the list of registered methods, where it can be
    /// shorter than the type's, or say which one it is ("Mobile phone", "Office phone").
    fn listed_name(&self, detail: &MethodDetail) -> Key {
        let _ = detail;
        self.name()
    }

    /// The type's icon: SVG path data in a 24 x 24 box, drawn with a 1.5 px stroke in the
    /// accent colour (no fill, so it follows the theme and the CSP allows it).
    fn icon(&self) -> &'static str;

    /// The first step of adding one: asks what the type needs, then starts the registration.
    fn form(&self, context: FormContext) -> AnyView;

    /// The text for a problem only this type's requests cause, if `code` is one.
    fn problem(&self, code: ProblemCode) -> Option<Key> {
        let _ = code;
        None
    }
}

/// The module of `method_type`, or `None` for a type this app cannot add or show yet.
pub fn of(method_type: MethodType) -> Option<&'static dyn MethodUi> {
    match method_type {
        MethodType::AuthenticatorApp => Some(&authenticator_app::AuthenticatorApp),
        MethodType::Email => Some(&email::Email),
        MethodType::SecurityKey => Some(&security_key::SecurityKey),
        MethodType::SecurityQuestions => Some(&security_questions::SecurityQuestions),
        MethodType::Phone => Some(&phone::Phone),
    }
}

/// What identifies a method to its owner: the name they gave it, or its type's detail (the
/// address, the number of questions...), in the chosen language.
pub fn detail(i18n: &I18n, method: &Method) -> String {
    if let Some(name) = &method.name {
        return name.clone();
    }
    match &method.detail {
        // Its name is all there is to show; one without a name (never made by this server)
        // shows as its type.
        MethodDetail::AuthenticatorApp {} | MethodDetail::SecurityKey { .. } => String::new(),
        MethodDetail::SecurityQuestions { count } => security_questions::detail(i18n, *count),
        MethodDetail::Phone {
            number, extension, ..
        } => phone::detail(i18n, number, extension.as_deref()),
        MethodDetail::Email { email_address } => email::detail(email_address),
    }
}

/// The type's name in the chosen language (tracked); a type this app does not know is shown
/// by its wire name.
pub fn name(i18n: &I18n, method_type: MethodType) -> &'static str {
    of(method_type).map_or(method_type.as_str(), |ui| i18n.t(ui.name()))
}

/// The method's name in the list of registered methods (see [`MethodUi::listed_name`]).
pub fn listed_name(i18n: &I18n, detail: &MethodDetail) -> &'static str {
    let method_type = detail.method_type();
    of(method_type).map_or(method_type.as_str(), |ui| i18n.t(ui.listed_name(detail)))
}

/// Generic icon of a type this app does not know: a shield.
const UNKNOWN_ICON: &str = "M12 3l8 3v6c0 4.5-3.4 8-8 9-4.6-1-8-4.5-8-9V6z";

/// The type's icon path (see [`MethodUi::icon`]).
pub fn icon(method_type: MethodType) -> &'static str {
    of(method_type).map_or(UNKNOWN_ICON, MethodUi::icon)
}

/// The type-specific text for `code`, from whichever type causes it.
pub fn problem(code: ProblemCode) -> Option<Key> {
    MethodType::ALL
        .into_iter()
        .filter_map(of)
        .find_map(|ui| ui.problem(code))
}

/// The type's icon, for lists and tables (hidden from screen readers: the name says it).
#[component]
pub fn MethodIcon(
    /// The type.
    method_type: MethodType,
) -> impl IntoView {
    view! {
        <span class="method-icon" aria-hidden="true">
            <svg viewBox="0 0 24 24" width="24" height="24">
                <path
                    d=icon(method_type)
                    fill="none"
                    stroke="currentColor"
                    stroke-width="1.5"
                    stroke-linejoin="round"
                />
            </svg>
        </span>
    }
}

/// Examples of one type (email) for the tests of generic code.
#[cfg(test)]
pub(crate) use email::examples;
