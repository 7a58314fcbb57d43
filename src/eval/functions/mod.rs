//! Built-in functions of the configuration language.
//!
//! Each function is a plain `fn(&[Value], &FnCtx) -> Result<Value, FnError>` registered in
//! [`REGISTRY`]. [`call`] applies the generic rules before the implementation sees arguments:
//! - arity is checked against [`FnDef::min_args`] / [`FnDef::max_args`];
//! - unless [`FnDef::handles_unknown`], any argument that is not wholly known makes the result
//!   `Value::Unknown` without calling the implementation;
//! - sensitive marks are removed from the arguments (deeply) and, if any argument carried one,
//!   the result is marked sensitive.
//!
//! `try` and `can` are not here: they need lazy evaluation and live in the evaluator.

use super::value::Value;
use std::path::Path;

/// Context a function may need: the directory of the calling module (for `file`, `templatefile`).
pub struct FnCtx<'a> {
    pub base_dir: &'a Path,
}

/// A function failure. `arg` is the 0-based index of the offending argument, when known,
/// so the diagnostic can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FnError {
    pub arg: Option<usize>,
    pub message: String,
}

impl FnError {
    pub fn new(message: impl Into<String>) -> Self {
        FnError { arg: None, message: message.into() }
    }
    pub fn arg(arg: usize, message: impl Into<String>) -> Self {
        FnError { arg: Some(arg), message: message.into() }
    }
}

pub type FnImpl = fn(&[Value], &FnCtx) -> Result<Value, FnError>;

/// A registered function.
pub struct FnDef {
    pub name: &'static str,
    pub min_args: usize,
    /// `None` for variadic functions.
    pub max_args: Option<usize>,
    /// The implementation deals with unknown arguments itself (e.g. `length` of a list with
    /// unknown elements is known).
    pub handles_unknown: bool,
    pub imp: FnImpl,
}

/// Looks a function up by name (`provider::` prefixed names are not supported).
pub fn lookup(name: &str) -> Option<&'static FnDef> {
    REGISTRY.iter().find(|f| f.name == name)
}

/// Names of all functions, plus `try` and `can`, for "did you mean" hints.
pub fn names() -> impl Iterator<Item = &'static str> {
    REGISTRY.iter().map(|f| f.name).chain(["try", "can"])
}

/// Calls `def` with the generic arity/unknown/sensitive rules described in the module docs.
pub fn call(def: &FnDef, args: Vec<Value>, ctx: &FnCtx) -> Result<Value, FnError> {
    if args.len() < def.min_args || def.max_args.is_some_and(|m| args.len() > m) {
        let expected = match def.max_args {
            Some(m) if m == def.min_args => format!("{m}"),
            Some(m) => format!("{} to {m}", def.min_args),
            None => format!("at least {}", def.min_args),
        };
        return Err(FnError::new(format!(
            "{}() takes {expected} argument{}, but {} given",
            def.name,
            if expected == "1" { "" } else { "s" },
            args.len()
        )));
    }
    let mut sensitive = false;
    let args: Vec<Value> = args
        .into_iter()
        .map(|a| {
            let (a, s) = a.unmark_deep();
            sensitive |= s;
            a
        })
        .collect();
    if !def.handles_unknown && !args.iter().all(Value::is_wholly_known) {
        return Ok(Value::Unknown.mark_if(sensitive));
    }
    let out = (def.imp)(&args, ctx)?;
    Ok(out.mark_if(sensitive))
}

/// The function table. Implementations live in the sibling modules, grouped by theme.
pub static REGISTRY: &[FnDef] = &[];
