//! **Phone**: a mobile, an alternate mobile or an office phone, which gets its code in a text
//! message or a call. Adding one asks which phone it is, its country or region (the list the
//! server allows, named by the browser in the page's language), the number as the user dials
//! it, an office phone's extension, and text or call (texts go to the mobile phone only).
//!
//! The app checks only what needs no phone metadata (the characters, a plausible count of
//! digits): libphonenumber's metadata is a server-side crate of megabytes, so the server parses
//! the number and says what is wrong with it, and the form shows that at the field it is about.

mod regions;

use std::ops::RangeInclusive;

use leptos::html;
use leptos::prelude::*;
use security_info_api::{
    MethodDetail, PhoneChannel, PhoneKind, PhoneRegion, ProblemCode, StartRegistration,
};
use wasm_bindgen::JsCast;

use super::{FormContext, MethodUi};
use crate::add_method::Started;
use crate::api::{self, ApiError};
use crate::components::cancel_button::CancelButton;
use crate::components::field_error::FieldError;
use crate::components::load_error::{LoadError, Loading};
use crate::components::modal::focus_on_mount;
use crate::components::submit_button::SubmitButton;
use crate::errors::Shown;
use crate::format::{region_namer, text_order};
use crate::i18n::{I18n, Key, use_i18n};
use crate::step_up::{start_registration, use_step_up};
use regions::{browser_language, likely_region, region_options};

/// The phone type.
pub struct Phone;

impl MethodUi for Phone {
    fn name(&self) -> Key {
        Key::MethodTypePhone
    }

    fn listed_name(&self, detail: &MethodDetail) -> Key {
        // A user may have one phone of each kind: the list says which one each is.
        match detail {
            MethodDetail::Phone { kind, .. } => kind_name(*kind),
            _ => self.name(),
        }
    }

    fn icon(&self) -> &'static str {
        // A handset.
        "M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5l1.5-2.5 5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z"
    }

    fn form(&self, context: FormContext) -> AnyView {
        view! {
            <PhoneForm
                previous=Typed::from_sent(context.previous)
                on_started=context.on_started
                on_cancel=context.on_cancel
            />
        }
        .into_any()
    }

    fn problem(&self, code: ProblemCode) -> Option<Key> {
        Some(match code {
            ProblemCode::InvalidPhoneNumber => Key::ProblemInvalidPhoneNumber,
            ProblemCode::PhoneNumberNotPersonal => Key::ProblemPhoneNumberNotPersonal,
            ProblemCode::PhoneRegionNotAllowed => Key::ProblemPhoneRegionNotAllowed,
            ProblemCode::TextsNotPossible => Key::ProblemTextsNotPossible,
            // The server's rule is the app's own: the same words.
            ProblemCode::InvalidExtension => Key::PhoneErrorExtension,
            _ => return None,
        })
    }
}

/// The name of a kind of phone ("Mobile phone").
pub fn kind_name(kind: PhoneKind) -> Key {
    match kind {
        PhoneKind::Mobile => Key::PhoneKindMobile,
        PhoneKind::AlternateMobile => Key::PhoneKindAlternateMobile,
        PhoneKind::Office => Key::PhoneKindOffice,
    }
}

/// How a phone reads in the list: its number in international form, and its extension.
pub fn detail(i18n: &I18n, number: &str, extension: Option<&str>) -> String {
    match extension {
        Some(extension) => i18n.tf(
            Key::PhoneWithExtension,
            &[("number", number), ("extension", extension)],
        ),
        None => number.to_owned(),
    }
}

/// How many digits a number may have as typed: from the shortest subscriber numbers to a full
/// international number typed with `00` in front. The server's check is the real one.
const NUMBER_DIGITS: RangeInclusive<usize> = 4..=20;
/// How many digits an extension has (the server's rule).
const EXTENSION_DIGITS: RangeInclusive<usize> = 1..=10;

/// Checks a typed number lightly (not empty, only the characters people write numbers with,
/// 4 to 20 digits) and returns it trimmed, with any kind of space as a plain space; or what
/// the field says.
pub fn check_number(input: &str) -> Result<String, Key> {
    let number: String = input
        .trim()
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    if number.is_empty() {
        return Err(Key::PhoneErrorEmpty);
    }
    if !number
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.'))
    {
        return Err(Key::PhoneErrorCharacters);
    }
    if !NUMBER_DIGITS.contains(&number.chars().filter(char::is_ascii_digit).count()) {
        return Err(Key::PhoneErrorLength);
    }
    Ok(number)
}

/// Checks an office phone's extension: none when left empty, else 1 to 10 digits.
pub fn check_extension(input: &str) -> Result<Option<String>, Key> {
    let extension = input.trim();
    if extension.is_empty() {
        return Ok(None);
    }
    if extension.chars().all(|c| c.is_ascii_digit()) && EXTENSION_DIGITS.contains(&extension.len())
    {
        Ok(Some(extension.to_owned()))
    } else {
        Err(Key::PhoneErrorExtension)
    }
}

/// What the form holds; given back to it when the user comes back from the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    kind: PhoneKind,
    region: String,
    number: String,
    extension: String,
    channel: PhoneChannel,
}

impl Typed {
    /// What a phone registration sent, as the form shows it again.
    pub fn from_sent(sent: Option<StartRegistration>) -> Option<Typed> {
        match sent {
            Some(StartRegistration::Phone {
                kind,
                region,
                number,
                extension,
                channel,
            }) => Some(Typed {
                kind,
                region,
                number,
                extension: extension.unwrap_or_default(),
                channel,
            }),
            _ => None,
        }
    }
}

/// The field a refusal of the server is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Kind,
    Region,
    Number,
    Extension,
    Channel,
    /// The form as a whole (too many codes, the network...).
    Form,
}

/// Where the form shows a refusal: the number's problems at the number (a number typed with
/// `+` decides the region, so a region refused is the number's), texts at the choice of text
/// or call, a phone of that kind already there at the choice of phone.
fn refused_field(error: &ApiError) -> Field {
    match error.code() {
        Some(
            ProblemCode::InvalidPhoneNumber
            | ProblemCode::PhoneNumberNotPersonal
            | ProblemCode::PhoneRegionNotAllowed,
        ) => Field::Number,
        Some(ProblemCode::InvalidExtension) => Field::Extension,
        Some(ProblemCode::TextsNotPossible) => Field::Channel,
        Some(ProblemCode::MethodAlreadyRegistered) => Field::Kind,
        _ => Field::Form,
    }
}

/// Focuses an element the form holds, if it is on the page.
fn focus<E>(node: NodeRef<E>)
where
    E: html::ElementType,
    E::Output: JsCast + Clone + 'static,
{
    if let Some(element) = node.get_untracked()
        && let Some(element) = element.dyn_ref::<web_sys::HtmlElement>()
    {
        let _ = element.focus();
    }
}

/// The first step of adding a phone: loads the regions the organization allows, then asks.
#[component]
pub fn PhoneForm(
    /// What was sent before, when the user came back from the code.
    previous: Option<Typed>,
    /// Called once the server has sent a code.
    #[prop(into)]
    on_started: Callback<Started>,
    /// Called on **Cancel**.
    #[prop(into)]
    on_cancel: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let regions = LocalResource::new(api::phone_regions);
    view! {
        <Transition fallback=Loading>
            {move || {
                let previous = previous.clone();
                regions
                    .get()
                    .map(|result| match result {
                        Ok(list) => {
                            view! {
                                <PhoneFields
                                    regions=list.regions
                                    previous=previous
                                    on_started=on_started
                                    on_cancel=on_cancel
                                />
                            }
                                .into_any()
                        }
                        Err(error) => {
                            view! {
                                <LoadError error=error on_retry=move |()| regions.refetch() />
                                <div class="actions">
                                    <button
                                        type="button"
                                        class="button"
                                        on:click=move |_| on_cancel.run(())
                                    >
                                        {i18n.text(Key::Cancel)}
                                    </button>
                                </div>
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}

/// The country or region a number is written for: the organization's list (`GET
/// /phone-regions`), named in the page's language, the likely one first. Also used by password
/// reset, where the user types a registered number.
#[component]
pub fn RegionField(
    /// The regions the server allows.
    regions: Vec<PhoneRegion>,
    /// The chosen region code.
    region: RwSignal<String>,
    /// What is wrong with the choice, if anything.
    error: RwSignal<Option<Shown>>,
    /// The select element, for focus.
    #[prop(optional)]
    select_ref: Option<NodeRef<html::Select>>,
) -> impl IntoView {
    let i18n = use_i18n();
    // The names follow the page's language; the likely region stays at the top.
    let regions = StoredValue::new(regions);
    let options = Memo::new(move |_| {
        let lang = i18n.lang();
        regions.with_value(|regions| {
            let first = likely_region(lang, browser_language().as_deref(), regions);
            region_options(
                regions,
                first.as_deref(),
                region_namer(lang),
                text_order(lang),
            )
        })
    });
    let region_list = move || {
        options
            .get()
            .into_iter()
            .map(|option| {
                let code = option.region.clone();
                view! {
                    <option
                        value=option.region
                        prop:selected=move || region.with(|chosen| *chosen == code)
                    >
                        {option.label}
                    </option>
                }
            })
            .collect_view()
    };
    view! {
        <div class="field">
            <label for="phone-region">{i18n.text(Key::PhoneRegionLabel)}</label>
            <select
                id="phone-region"
                name="phone-region"
                node_ref=select_ref.unwrap_or_default()
                on:change=move |event| {
                    region.set(event_target_value(&event));
                    error.set(None);
                }
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=move || error.with(Option::is_some).then_some("phone-region-error")
            >
                {region_list}
            </select>
            <FieldError error=error id="phone-region-error" />
        </div>
    }
}

/// The region a new number field starts with: the one the user most likely has their phone in.
pub fn first_region(lang: crate::i18n::Lang, regions: &[PhoneRegion]) -> String {
    likely_region(lang, browser_language().as_deref(), regions).unwrap_or_default()
}

/// Which phone, its region, number and extension, text or call; **Next** sends a code.
#[component]
fn PhoneFields(
    regions: Vec<PhoneRegion>,
    previous: Option<Typed>,
    #[prop(into)] on_started: Callback<Started>,
    #[prop(into)] on_cancel: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let step_up = use_step_up();
    let typed = previous.unwrap_or_else(|| Typed {
        kind: PhoneKind::Mobile,
        region: likely_region(
            i18n.lang_untracked(),
            browser_language().as_deref(),
            &regions,
        )
        .unwrap_or_default(),
        number: String::new(),
        extension: String::new(),
        channel: PhoneChannel::Sms,
    });
    let kind = RwSignal::new(typed.kind);
    let region = RwSignal::new(typed.region);
    let number = RwSignal::new(typed.number);
    let extension = RwSignal::new(typed.extension);
    // The choice made for a mobile phone (a text unless the user chose a call); the other
    // kinds take calls only, whatever was chosen.
    let chosen = RwSignal::new(if typed.kind.takes_texts() {
        typed.channel
    } else {
        PhoneChannel::Sms
    });
    let channel = Memo::new(move |_| {
        if kind.get().takes_texts() {
            chosen.get()
        } else {
            PhoneChannel::Voice
        }
    });

    let kind_error = RwSignal::new(None::<Shown>);
    let region_error = RwSignal::new(None::<Shown>);
    let number_error = RwSignal::new(None::<Shown>);
    let extension_error = RwSignal::new(None::<Shown>);
    let channel_error = RwSignal::new(None::<Shown>);
    let form_error = RwSignal::new(None::<Shown>);
    let kind_refs = PhoneKind::ALL.map(|_| NodeRef::<html::Input>::new());
    let region_ref = NodeRef::<html::Select>::new();
    let number_ref = NodeRef::<html::Input>::new();
    let extension_ref = NodeRef::<html::Input>::new();
    let voice_ref = NodeRef::<html::Input>::new();
    let checked_kind_ref = move || {
        let index = PhoneKind::ALL
            .iter()
            .position(|k| *k == kind.get_untracked())
            .unwrap_or(0);
        kind_refs[index]
    };
    focus_on_mount(checked_kind_ref());
    let error_of = move |field: Field| match field {
        Field::Kind => kind_error,
        Field::Region => region_error,
        Field::Number => number_error,
        Field::Extension => extension_error,
        Field::Channel => channel_error,
        Field::Form => form_error,
    };
    let focus_field = move |field: Field| match field {
        Field::Kind => focus(checked_kind_ref()),
        Field::Region => focus(region_ref),
        Field::Number => focus(number_ref),
        Field::Extension => focus(extension_ref),
        // "Choose Call me": focus is where a Space chooses it.
        Field::Channel => focus(voice_ref),
        // Announced at once (an alert); focus stays on **Next**.
        Field::Form => {}
    };

    let send = Action::new_local(move |start: &StartRegistration| {
        start_registration(step_up, start.clone())
    });
    Effect::new(move |_| {
        if let Some(result) = send.value().get() {
            match result {
                Ok(started) => on_started.run(started),
                Err(api_error) => {
                    let field = refused_field(&api_error);
                    let shown = match field {
                        // "You've already added this phone", not any method.
                        Field::Kind => Shown::Text(Key::PhoneAlreadyRegistered),
                        _ => Shown::Api(api_error),
                    };
                    error_of(field).set(Some(shown));
                    focus_field(field);
                }
            }
        }
    });
    let pending = send.pending();

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        for field in [
            Field::Kind,
            Field::Region,
            Field::Number,
            Field::Extension,
            Field::Channel,
            Field::Form,
        ] {
            error_of(field).set(None);
        }
        let kind_now = kind.get_untracked();
        let typed_number = check_number(&number.get_untracked());
        let region_now = region.get_untracked();
        // A number typed with its country code needs no region.
        let region_missing = region_now.is_empty()
            && !typed_number
                .as_ref()
                .is_ok_and(|number| number.starts_with('+'));
        let typed_extension = if kind_now == PhoneKind::Office {
            check_extension(&extension.get_untracked())
        } else {
            Ok(None)
        };
        // Every problem is shown; the first field with one, in the form's order, has focus.
        let mut problems = Vec::new();
        if region_missing {
            problems.push((Field::Region, Key::PhoneErrorRegion));
        }
        if let Err(key) = &typed_number {
            problems.push((Field::Number, *key));
        }
        if let Err(key) = &typed_extension {
            problems.push((Field::Extension, *key));
        }
        for (field, key) in &problems {
            error_of(*field).set(Some(Shown::Text(*key)));
        }
        if let Some((field, _)) = problems.first() {
            focus_field(*field);
        }
        if let (false, Ok(number), Ok(extension)) = (region_missing, typed_number, typed_extension)
        {
            send.dispatch_local(StartRegistration::Phone {
                kind: kind_now,
                region: region_now,
                number,
                extension,
                channel: channel.get_untracked(),
            });
        }
    };

    let described = |ids: &'static str, error_id: &'static str, error: RwSignal<Option<Shown>>| {
        move || {
            if error.with(Option::is_some) {
                format!("{error_id} {ids}")
            } else {
                ids.to_owned()
            }
        }
    };
    let kinds = PhoneKind::ALL
        .into_iter()
        .zip(kind_refs)
        .map(|(this, node)| {
            let id = format!("phone-kind-{}", this.as_str());
            view! {
                <div class="choice">
                    <input
                        type="radio"
                        id=id.clone()
                        name="phone-kind"
                        value=this.as_str()
                        node_ref=node
                        prop:checked=move || kind.get() == this
                        on:change=move |_| {
                            kind.set(this);
                            kind_error.set(None);
                            channel_error.set(None);
                        }
                    />
                    <label for=id>{i18n.text(kind_name(this))}</label>
                </div>
            }
        })
        .collect_view();
    let takes_texts = move || kind.get().takes_texts();

    view! {
        <form novalidate on:submit=submit>
            <fieldset
                class="choices"
                aria-describedby=move || kind_error.with(Option::is_some).then_some("phone-kind-error")
            >
                <legend>{i18n.text(Key::PhoneKindLegend)}</legend>
                {kinds}
                <FieldError error=kind_error id="phone-kind-error" />
            </fieldset>
            <RegionField
                regions=regions
                region=region
                error=region_error
                select_ref=region_ref
            />
            <div class="field">
                <label for="phone-number">{i18n.text(Key::PhoneNumberLabel)}</label>
                <input
                    id="phone-number"
                    node_ref=number_ref
                    type="tel"
                    name="phone-number"
                    autocomplete="tel-national"
                    inputmode="tel"
                    spellcheck="false"
                    prop:value=move || number.get()
                    on:input=move |event| number.set(event_target_value(&event))
                    aria-invalid=move || number_error.with(Option::is_some).to_string()
                    aria-describedby=described("phone-number-hint", "phone-number-error", number_error)
                />
                <FieldError error=number_error id="phone-number-error" />
                <p id="phone-number-hint" class="hint">
                    {i18n.text(Key::PhoneNumberHint)}
                </p>
            </div>
            <Show when=move || kind.get() == PhoneKind::Office>
                <div class="field">
                    <label for="phone-extension">{i18n.text(Key::PhoneExtensionLabel)}</label>
                    <input
                        id="phone-extension"
                        class="extension-input"
                        node_ref=extension_ref
                        type="text"
                        name="phone-extension"
                        autocomplete="tel-extension"
                        inputmode="numeric"
                        spellcheck="false"
                        prop:value=move || extension.get()
                        on:input=move |event| extension.set(event_target_value(&event))
                        aria-invalid=move || extension_error.with(Option::is_some).to_string()
                        aria-describedby=described(
                            "phone-extension-hint",
                            "phone-extension-error",
                            extension_error,
                        )
                    />
                    <FieldError error=extension_error id="phone-extension-error" />
                    <p id="phone-extension-hint" class="hint">
                        {i18n.text(Key::PhoneExtensionHint)}
                    </p>
                </div>
            </Show>
            <fieldset
                class="choices"
                aria-describedby=move || {
                    match (channel_error.with(Option::is_some), takes_texts()) {
                        (true, true) => Some("phone-channel-error"),
                        (true, false) => Some("phone-channel-error phone-calls-only"),
                        (false, false) => Some("phone-calls-only"),
                        (false, true) => None,
                    }
                }
            >
                <legend>{i18n.text(Key::PhoneChannelLegend)}</legend>
                <Show when=takes_texts>
                    <div class="choice">
                        <input
                            type="radio"
                            id="phone-channel-sms"
                            name="phone-channel"
                            value="sms"
                            prop:checked=move || channel.get() == PhoneChannel::Sms
                            on:change=move |_| {
                                chosen.set(PhoneChannel::Sms);
                                channel_error.set(None);
                            }
                        />
                        <label for="phone-channel-sms">{i18n.text(Key::PhoneChannelSms)}</label>
                    </div>
                </Show>
                <div class="choice">
                    <input
                        type="radio"
                        id="phone-channel-voice"
                        name="phone-channel"
                        value="voice"
                        node_ref=voice_ref
                        prop:checked=move || channel.get() == PhoneChannel::Voice
                        on:change=move |_| {
                            chosen.set(PhoneChannel::Voice);
                            channel_error.set(None);
                        }
                    />
                    <label for="phone-channel-voice">{i18n.text(Key::PhoneChannelVoice)}</label>
                </div>
                <Show when=move || !takes_texts()>
                    <p id="phone-calls-only" class="hint">
                        {i18n.text(Key::PhoneCallsOnly)}
                    </p>
                </Show>
                <FieldError error=channel_error id="phone-channel-error" />
            </fieldset>
            <p class="hint">{i18n.text(Key::PhoneRates)}</p>
            <FieldError error=form_error alert=true />
            <div class="actions">
                <CancelButton on_cancel=on_cancel />
                <SubmitButton pending=pending label=Key::Next busy_label=Key::BusySending />
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use security_info_api::{Method, MethodType, Problem};

    use super::*;
    use crate::i18n::Lang;
    use crate::methods;

    fn phone(kind: PhoneKind, number: &str, extension: Option<&str>) -> Method {
        Method::new(
            "m1".into(),
            MethodDetail::Phone {
                kind,
                number: number.into(),
                extension: extension.map(str::to_owned),
                texts: kind.takes_texts(),
            },
            None,
            "2026-11-24T10:02:00Z".into(),
            None,
        )
    }

    fn refused(code: ProblemCode) -> ApiError {
        ApiError::Problem(Problem::new(code))
    }

    #[test]
    fn numbers_are_checked_lightly_and_sent_as_typed() {
        assert_eq!(check_number(" 06 12345678 "), Ok("06 12345678".to_owned()));
        assert_eq!(
            check_number("+31 (0)6-1234.5678"),
            Ok("+31 (0)6-1234.5678".to_owned())
        );
        assert_eq!(
            check_number("06\u{a0}12345678"),
            Ok("06 12345678".to_owned())
        );
        assert_eq!(check_number("   "), Err(Key::PhoneErrorEmpty));
        assert_eq!(check_number("06-CALL-ME"), Err(Key::PhoneErrorCharacters));
        assert_eq!(check_number("１２３４５"), Err(Key::PhoneErrorCharacters));
        assert_eq!(check_number("112"), Err(Key::PhoneErrorLength));
        assert_eq!(check_number("1234"), Ok("1234".to_owned()));
        assert_eq!(check_number(&"1".repeat(21)), Err(Key::PhoneErrorLength));
    }

    #[test]
    fn an_extension_is_optional_and_one_to_ten_digits() {
        assert_eq!(check_extension("  "), Ok(None));
        assert_eq!(check_extension(" 123 "), Ok(Some("123".to_owned())));
        assert_eq!(
            check_extension("12345678901"),
            Err(Key::PhoneErrorExtension)
        );
        assert_eq!(check_extension("12a"), Err(Key::PhoneErrorExtension));
        assert_eq!(check_extension("1 2"), Err(Key::PhoneErrorExtension));
    }

    #[test]
    fn a_phone_is_listed_as_its_kind_with_its_number_and_extension() {
        let i18n = I18n::fixed(Lang::En);
        let mobile = phone(PhoneKind::Mobile, "+31 6 12345678", None);
        assert_eq!(methods::detail(&i18n, &mobile), "+31 6 12345678");
        assert_eq!(methods::listed_name(&i18n, &mobile.detail), "Mobile phone");
        let office = phone(PhoneKind::Office, "+31 20 555 0123", Some("123"));
        assert_eq!(methods::detail(&i18n, &office), "+31 20 555 0123 ext. 123");
        assert_eq!(methods::listed_name(&i18n, &office.detail), "Office phone");
        let dutch = I18n::fixed(Lang::Nl);
        assert_eq!(
            methods::detail(&dutch, &office),
            "+31 20 555 0123 toestel 123"
        );
        assert_eq!(
            methods::listed_name(&dutch, &office.detail),
            "Telefoon op kantoor"
        );
        let alternate = phone(PhoneKind::AlternateMobile, "+31 6 87654321", None);
        assert_eq!(
            methods::listed_name(&dutch, &alternate.detail),
            "Alternatieve mobiele telefoon"
        );
        assert_eq!(methods::name(&i18n, MethodType::Phone), "Phone");
        assert_eq!(methods::name(&dutch, MethodType::Phone), "Telefoon");
    }

    #[test]
    fn every_type_has_a_module_and_an_icon_of_its_own() {
        let icons: Vec<&str> = MethodType::ALL.into_iter().map(methods::icon).collect();
        for (index, method_type) in MethodType::ALL.into_iter().enumerate() {
            assert!(methods::of(method_type).is_some(), "{method_type:?}");
            assert!(
                !icons[..index].contains(&icons[index]),
                "{method_type:?} has an icon of its own"
            );
        }
    }

    #[test]
    fn the_servers_phone_problems_read_as_phone_texts_at_their_field() {
        assert_eq!(
            methods::problem(ProblemCode::PhoneNumberNotPersonal),
            Some(Key::ProblemPhoneNumberNotPersonal)
        );
        assert_eq!(
            methods::problem(ProblemCode::InvalidExtension),
            Some(Key::PhoneErrorExtension)
        );
        for code in [
            ProblemCode::InvalidPhoneNumber,
            ProblemCode::PhoneRegionNotAllowed,
            ProblemCode::TextsNotPossible,
        ] {
            assert!(methods::problem(code).is_some(), "{code:?}");
        }
        assert_eq!(
            refused_field(&refused(ProblemCode::PhoneNumberNotPersonal)),
            Field::Number
        );
        assert_eq!(
            refused_field(&refused(ProblemCode::PhoneRegionNotAllowed)),
            Field::Number
        );
        assert_eq!(
            refused_field(&refused(ProblemCode::TextsNotPossible)),
            Field::Channel
        );
        assert_eq!(
            refused_field(&refused(ProblemCode::InvalidExtension)),
            Field::Extension
        );
        assert_eq!(
            refused_field(&refused(ProblemCode::MethodAlreadyRegistered)),
            Field::Kind
        );
        assert_eq!(
            refused_field(&refused(ProblemCode::TooManyRequests)),
            Field::Form
        );
        assert_eq!(refused_field(&ApiError::Network), Field::Form);
    }

    #[test]
    fn coming_back_shows_what_was_sent() {
        let sent = StartRegistration::Phone {
            kind: PhoneKind::Office,
            region: "NL".into(),
            number: "020 555 0123".into(),
            extension: Some("123".into()),
            channel: PhoneChannel::Voice,
        };
        let typed = Typed::from_sent(Some(sent)).expect("a phone's form");
        assert_eq!(typed.kind, PhoneKind::Office);
        assert_eq!(typed.extension, "123");
        assert_eq!(typed.number, "020 555 0123");
        assert_eq!(
            Typed::from_sent(Some(StartRegistration::SecurityKey {})),
            None
        );
    }
}
