//! One component per file; every dialog is built on [`modal::Modal`].

pub mod add_method_dialog;
pub mod app_setup;
pub mod cancel_button;
pub mod code_form;
pub mod default_method_dialog;
pub mod delete_dialog;
pub mod field_error;
pub mod intro_form;
pub mod key_prompt;
pub mod language_switcher;
pub mod load_error;
pub mod method_list;
pub mod modal;
pub mod name_field;
pub mod nav;
pub mod questions_form;
pub mod reauthenticate_dialog;
pub mod recovery_codes;
pub mod rename_dialog;
pub mod second_step;
pub mod shell;
pub mod sign_out_everywhere_dialog;
pub mod status;
pub mod submit_button;
pub mod top_bar;
