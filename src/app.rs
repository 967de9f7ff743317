//! The root component: router and routes.

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <main id="main">
                <Routes fallback=|| view! { <h1>"Page not found"</h1> }>
                    <Route path=path!("/") view=|| view! { <h1>"My Profile"</h1> } />
                    <Route path=path!("/security-info") view=|| view! { <h1>"Security info"</h1> } />
                </Routes>
            </main>
        </Router>
    }
}
