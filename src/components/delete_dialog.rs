//! **Delete**: names the method, says it cannot be undone, **Cancel** or **Yes**.

use leptos::prelude::*;
use security_info_api::Method;

use crate::api;
use crate::components::cancel_button::CancelButton;
use crate::components::field_error::FieldError;
use crate::components::modal::Modal;
use crate::errors::Shown;
use crate::i18n::{Key, use_i18n};
use crate::methods;
use crate::step_up::{use_step_up, with_step_up};

/// The delete confirmation, shown while `method` is set.
#[component]
pub fn DeleteDialog(
    /// The method to delete; the dialog is open while this is `Some`.
    #[prop(into)]
    method: Signal<Option<Method>>,
    /// Called on **Cancel**, Esc or close.
    #[prop(into)]
    on_close: Callback<()>,
    /// Called with the method once the server has deleted it.
    #[prop(into)]
    on_deleted: Callback<Method>,
) -> impl IntoView {
    let i18n = use_i18n();
    let step_up = use_step_up();
    let error = RwSignal::new(None::<Shown>);
    let delete = Action::new_local(move |method: &Method| {
        let method = method.clone();
        async move {
            let id = method.id.clone();
            with_step_up(step_up, || api::delete_method(id.clone()))
                .await
                .map(|()| method)
        }
    });
    Effect::new(move |_| {
        if let Some(result) = delete.value().get() {
            match result {
                Ok(method) => on_deleted.run(method),
                Err(api_error) => error.set(Some(Shown::Api(api_error))),
            }
        }
    });
    let pending = delete.pending();
    let open = Signal::derive(move || method.with(Option::is_some));
    let close = Callback::new(move |()| {
        error.set(None);
        on_close.run(());
    });
    let question = move || {
        method
            .get()
            .map(|m| {
                i18n.tf(
                    Key::DeleteQuestion,
                    &[
                        ("method", methods::name(&i18n, m.method_type)),
                        ("detail", &methods::detail(&i18n, &m)),
                    ],
                )
            })
            .unwrap_or_default()
    };

    view! {
        <Modal id="delete-method" open=open on_close=close title=i18n.text(Key::DeleteTitle)>
            <div class="modal-body">
                <p id="delete-question">{question}</p>
                <p class="warning">{i18n.text(Key::DeleteWarning)}</p>
                <FieldError error=error alert=true />
                <div class="actions">
                    <CancelButton on_cancel=close />
                    <button
                        type="button"
                        class="button button-danger"
                        aria-disabled=move || pending.get().to_string()
                        on:click=move |_| {
                            if !pending.get_untracked()
                                && let Some(m) = method.get_untracked()
                            {
                                error.set(None);
                                delete.dispatch_local(m);
                            }
                        }
                    >
                        {move || {
                            if pending.get() { i18n.t(Key::BusyDeleting) } else { i18n.t(Key::Yes) }
                        }}
                    </button>
                </div>
            </div>
        </Modal>
    }
}
