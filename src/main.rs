//! Entry point of the Security info app: install the panic hook, mount the app.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(security_info_app::App);
}
