//! **My Profile** overview: who is signed in, and the **Security info** block.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::load_error::{LoadError, Loading};
use crate::components::shell::use_current_user;
use crate::i18n::{Key, use_i18n};
use crate::pages::use_page_title;

/// The overview page (`/`).
#[component]
pub fn Overview() -> impl IntoView {
    let i18n = use_i18n();
    use_page_title(Key::OverviewTitle);
    let user = use_current_user().0;
    view! {
        <h1 tabindex="-1">{i18n.text(Key::OverviewTitle)}</h1>
        <div class="cards">
            <section class="card" aria-labelledby="account-heading">
                <Transition fallback=Loading>
                    {move || {
                        user.get()
                            .map(|result| match result {
                                Ok(user) => {
                                    view! {
                                        <h2 id="account-heading" class="card-title">
                                            {user.display_name.clone()}
                                        </h2>
                                        <dl class="facts">
                                            <dt>{i18n.text(Key::OverviewWorkAddress)}</dt>
                                            <dd>{user.user_principal_name.clone()}</dd>
                                            <dt>{i18n.text(Key::OverviewOrganization)}</dt>
                                            <dd>{user.organization.name.clone()}</dd>
                                        </dl>
                                    }
                                        .into_any()
                                }
                                Err(error) => {
                                    view! {
                                        <h2 id="account-heading" class="card-title">
                                            {i18n.text(Key::OverviewName)}
                                        </h2>
                                        <LoadError error=error on_retry=move |()| user.refetch() />
                                    }
                                        .into_any()
                                }
                            })
                    }}
                </Transition>
            </section>
            <section class="card" aria-labelledby="security-heading">
                <h2 id="security-heading" class="card-title">
                    {i18n.text(Key::NavSecurityInfo)}
                </h2>
                <p>{i18n.text(Key::OverviewSecurityText)}</p>
                <A href="/security-info" attr:class="card-link">
                    {i18n.text(Key::OverviewSecurityLink)}
                </A>
            </section>
        </div>
    }
}
