//! Built-in functions of the configuration language.
//!
//! Each function is a plain `fn(&[Value], &FnCtx) -> Result<Value, FnError>` registered in
//! [`REGISTRY`]. [`call`] applies the generic rules before the implementation sees arguments:
//! - arity is checked against [`FnDef::min_args`] / [`FnDef::max_args`];
//! - unless [`FnDef::handles_unknown`], any argument that is not wholly known makes the result
//!   `Value::Unknown` without calling the implementation;
//! - sensitive marks are removed from the arguments (deeply) and, if any argument carried one,
//!   the result is marked sensitive; error messages have the sensitive text masked;
//! - functions registered with [`FnDef::handles_marks`] (those that pass elements through,
//!   like `merge`, `concat` or `lookup`, and `length`, which depends only on the number of
//!   elements) lose only the top-level mark of each argument: marks on elements stay where
//!   they are, so `merge({ a = var.secret }, { b = "x" }).b` is not sensitive;
//! - `sensitive`, `nonsensitive`, `issensitive` and `ephemeralasnull` are the exceptions: they
//!   receive their argument with its marks and unknowns as given.
//!
//! The impure functions `timestamp`, `uuid` and `bcrypt` return unknown values, as Terraform's
//! do while planning. `yamldecode` covers the YAML subset listed in its module. Not
//! implemented: `rsadecrypt`, and the `provider::` functions. Strings are measured in
//! user-perceived characters using an approximation of Unicode grapheme clusters (see
//! `util::graphemes`).
//!
//! `try` and `can` are not here: they need lazy evaluation and live in the evaluator.

use super::value::Value;
use std::collections::BTreeMap;
use std::path::Path;

mod collection;
mod conversion;
mod crypto;
mod datetime;
mod encoding;
mod filesystem;
mod glob;
mod list;
mod network;
mod numeric;
mod printf;
mod regexp;
mod sets;
mod string;
mod textcodec;
mod util;
mod yaml;
mod yamldecode;

/// Renders a template text (the second argument names the template file in messages) with
/// the given variables; the path is the directory against which functions called inside the
/// template resolve relative paths. Supplied by the evaluator so that `templatefile` can use
/// the full expression language. An error message starting with [`MISSING_TEMPLATE_VAR`] is
/// about a name missing from the variables.
pub type TemplateRenderer =
    fn(&str, &str, &BTreeMap<String, Value>, &Path) -> Result<Value, String>;

/// How a template renderer's message about a name missing from the variables starts.
pub const MISSING_TEMPLATE_VAR: &str = "vars map does not contain key";

/// Context a function may need: the directory of the calling module (for `file`, `templatefile`)
/// and the template renderer (for `templatefile`).
pub struct FnCtx<'a> {
    pub base_dir: &'a Path,
    pub render_template: TemplateRenderer,
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
        FnError {
            arg: None,
            message: message.into(),
        }
    }
    pub fn arg(arg: usize, message: impl Into<String>) -> Self {
        FnError {
            arg: Some(arg),
            message: message.into(),
        }
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
    /// The implementation receives the arguments without their top-level marks but with the
    /// marks on their elements, and must keep those marks on whatever it passes through (and
    /// mark what it derives from marked elements). Only the top-level marks make the whole
    /// result sensitive.
    pub handles_marks: bool,
    pub imp: FnImpl,
}

impl FnDef {
    /// The same definition with [`FnDef::handles_marks`] set.
    const fn marks(self) -> FnDef {
        FnDef {
            handles_marks: true,
            ..self
        }
    }
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
    if matches!(
        def.name,
        "sensitive" | "nonsensitive" | "issensitive" | "ephemeralasnull"
    ) {
        // These act on the marks themselves, so they see their argument as given.
        return (def.imp)(&args, ctx);
    }
    let mut secrets = Vec::new();
    for a in &args {
        collect_secrets(a, false, &mut secrets);
    }
    let mut sensitive = false;
    let args: Vec<Value> = args
        .into_iter()
        .map(|a| {
            let (a, s) = if def.handles_marks {
                a.unmark()
            } else {
                a.unmark_deep()
            };
            sensitive |= s;
            a
        })
        .collect();
    if !def.handles_unknown && !args.iter().all(Value::is_wholly_known) {
        return Ok(Value::Unknown.mark_if(sensitive));
    }
    let out = (def.imp)(&args, ctx).map_err(|e| redact(e, &secrets))?;
    Ok(out.mark_if(sensitive))
}

/// Collects the text of the primitive leaves (and map keys) under a sensitive mark, so that
/// error messages that quote an argument do not reveal them.
fn collect_secrets(v: &Value, marked: bool, out: &mut Vec<String>) {
    match v {
        Value::Sensitive(inner) => collect_secrets(inner, true, out),
        Value::String(s) if marked && !s.is_empty() => out.push(s.clone()),
        Value::Number(n) if marked => out.push(super::value::format_number(*n)),
        Value::List(items) | Value::Set(items) => {
            items.iter().for_each(|i| collect_secrets(i, marked, out))
        }
        Value::Map(m) => {
            for (k, i) in m {
                if marked && !k.is_empty() {
                    out.push(k.clone());
                }
                collect_secrets(i, marked, out);
            }
        }
        _ => {}
    }
}

/// Replaces sensitive text in an error message: the quoted form anywhere, the raw form where
/// it stands as a whole word (so that short secrets do not garble unrelated words).
fn redact(mut e: FnError, secrets: &[String]) -> FnError {
    const MASK: &str = "(sensitive value)";
    let mut secrets: Vec<&String> = secrets.iter().collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in secrets {
        e.message = e.message.replace(&format!("{s:?}"), MASK);
        e.message = replace_word(&e.message, s, MASK);
    }
    e
}

/// Replaces occurrences of `needle` that are not part of a longer word (letters, digits,
/// `_`, and a `.` between such characters, as in numbers).
fn replace_word(text: &str, needle: &str, with: &str) -> String {
    fn is_word(c: Option<char>) -> bool {
        c.is_some_and(|c| c.is_alphanumeric() || c == '_')
    }
    let joins =
        |c1: Option<char>, c2: Option<char>| is_word(c1) || (c1 == Some('.') && is_word(c2));
    let starts_word = is_word(needle.chars().next());
    let ends_word = is_word(needle.chars().next_back());
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (pos, _) in text.match_indices(needle) {
        if pos < last {
            continue;
        }
        let end = pos + needle.len();
        let mut before = text[..pos].chars().rev();
        let mut after = text[end..].chars();
        let (b1, b2) = (before.next(), before.next());
        let (a1, a2) = (after.next(), after.next());
        if (starts_word && joins(b1, b2)) || (ends_word && joins(a1, a2)) {
            continue;
        }
        out.push_str(&text[last..pos]);
        out.push_str(with);
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

const fn def(
    name: &'static str,
    min_args: usize,
    max_args: Option<usize>,
    handles_unknown: bool,
    imp: FnImpl,
) -> FnDef {
    FnDef {
        name,
        min_args,
        max_args,
        handles_unknown,
        handles_marks: false,
        imp,
    }
}

const ONE: Option<usize> = Some(1);
const TWO: Option<usize> = Some(2);
const THREE: Option<usize> = Some(3);
const ANY: Option<usize> = None;

/// The function table, sorted by name. Implementations live in the sibling modules, grouped
/// by theme.
pub static REGISTRY: &[FnDef] = &[
    def("abs", 1, ONE, false, numeric::abs),
    def("abspath", 1, ONE, false, filesystem::abspath),
    def("alltrue", 1, ONE, true, list::alltrue),
    def("anytrue", 1, ONE, true, list::anytrue),
    def("base64decode", 1, ONE, false, encoding::base64decode),
    def("base64encode", 1, ONE, false, encoding::base64encode),
    def("base64gzip", 1, ONE, false, textcodec::base64gzip),
    def("base64sha256", 1, ONE, false, crypto::base64sha256),
    def("base64sha512", 1, ONE, false, crypto::base64sha512),
    def("basename", 1, ONE, false, filesystem::basename),
    def("bcrypt", 1, TWO, false, crypto::impure),
    def("ceil", 1, ONE, false, numeric::ceil),
    def("chomp", 1, ONE, false, string::chomp),
    def("chunklist", 2, TWO, true, list::chunklist),
    def("cidrhost", 2, TWO, false, network::cidrhost),
    def("cidrnetmask", 1, ONE, false, network::cidrnetmask),
    def("cidrsubnet", 3, THREE, false, network::cidrsubnet),
    def("cidrsubnets", 1, ANY, false, network::cidrsubnets),
    def("coalesce", 0, ANY, true, collection::coalesce),
    def("coalescelist", 1, ANY, true, list::coalescelist).marks(),
    def("compact", 1, ONE, false, list::compact),
    def("concat", 0, ANY, true, list::concat).marks(),
    def("contains", 2, TWO, true, collection::contains),
    def("csvdecode", 1, ONE, false, textcodec::csvdecode),
    def("dirname", 1, ONE, false, filesystem::dirname),
    def("distinct", 1, ONE, false, list::distinct),
    def("element", 2, TWO, true, collection::element).marks(),
    def("endswith", 2, TWO, false, string::endswith),
    def("ephemeralasnull", 1, ONE, true, conversion::ephemeralasnull),
    def("file", 1, ONE, false, filesystem::file),
    def("filebase64", 1, ONE, false, filesystem::filebase64),
    def(
        "filebase64sha256",
        1,
        ONE,
        false,
        filesystem::filebase64sha256,
    ),
    def(
        "filebase64sha512",
        1,
        ONE,
        false,
        filesystem::filebase64sha512,
    ),
    def("fileexists", 1, ONE, false, filesystem::fileexists),
    def("filemd5", 1, ONE, false, filesystem::filemd5),
    def("fileset", 2, TWO, false, glob::fileset),
    def("filesha1", 1, ONE, false, filesystem::filesha1),
    def("filesha256", 1, ONE, false, filesystem::filesha256),
    def("filesha512", 1, ONE, false, filesystem::filesha512),
    def("flatten", 1, ONE, true, list::flatten).marks(),
    def("floor", 1, ONE, false, numeric::floor),
    def("format", 1, ANY, false, printf::format),
    def("formatdate", 2, TWO, false, datetime::formatdate),
    def("formatlist", 1, ANY, true, printf::formatlist),
    def("indent", 2, TWO, false, string::indent),
    def("index", 2, TWO, true, collection::index),
    def("issensitive", 1, ONE, true, conversion::issensitive),
    def("join", 1, ANY, false, string::join),
    def("jsondecode", 1, ONE, false, encoding::jsondecode),
    def("jsonencode", 1, ONE, false, encoding::jsonencode),
    def("keys", 1, ONE, true, collection::keys).marks(),
    def("length", 1, ONE, true, collection::length).marks(),
    def("log", 2, TWO, false, numeric::log),
    def("lookup", 2, THREE, true, collection::lookup).marks(),
    def("lower", 1, ONE, false, string::lower),
    def("matchkeys", 3, THREE, false, collection::matchkeys),
    def("max", 0, ANY, false, numeric::max),
    def("md5", 1, ONE, false, crypto::md5),
    def("merge", 0, ANY, true, collection::merge).marks(),
    def("min", 0, ANY, false, numeric::min),
    def("nonsensitive", 1, ONE, true, conversion::nonsensitive),
    def("one", 1, ONE, true, collection::one).marks(),
    def("parseint", 2, TWO, false, numeric::parseint),
    def("pathexpand", 1, ONE, false, filesystem::pathexpand),
    def("plantimestamp", 0, Some(0), false, datetime::plantimestamp),
    def("pow", 2, TWO, false, numeric::pow),
    def("range", 1, THREE, false, numeric::range),
    def("regex", 2, TWO, false, regexp::regex),
    def("regexall", 2, TWO, false, regexp::regexall),
    def("replace", 3, THREE, false, string::replace),
    def("reverse", 1, ONE, true, list::reverse).marks(),
    def("sensitive", 1, ONE, true, conversion::sensitive),
    def("setintersection", 1, ANY, false, sets::setintersection),
    def("setproduct", 2, ANY, false, sets::setproduct),
    def("setsubtract", 2, TWO, false, sets::setsubtract),
    def("setunion", 1, ANY, false, sets::setunion),
    def("sha1", 1, ONE, false, crypto::sha1),
    def("sha256", 1, ONE, false, crypto::sha256),
    def("sha512", 1, ONE, false, crypto::sha512),
    def("signum", 1, ONE, false, numeric::signum),
    def("slice", 3, THREE, true, list::slice).marks(),
    def("sort", 1, ONE, false, list::sort),
    def("split", 2, TWO, false, string::split),
    def("startswith", 2, TWO, false, string::startswith),
    def("strcontains", 2, TWO, false, string::strcontains),
    def("strrev", 1, ONE, false, string::strrev),
    def("substr", 3, THREE, false, string::substr),
    def("sum", 1, ONE, false, numeric::sum),
    def("templatefile", 2, TWO, false, filesystem::templatefile),
    def("templatestring", 2, TWO, false, filesystem::templatestring),
    def(
        "textdecodebase64",
        2,
        TWO,
        false,
        textcodec::textdecodebase64,
    ),
    def(
        "textencodebase64",
        2,
        TWO,
        false,
        textcodec::textencodebase64,
    ),
    def("timeadd", 2, TWO, false, datetime::timeadd),
    def("timecmp", 2, TWO, false, datetime::timecmp),
    def("timestamp", 0, Some(0), false, datetime::timestamp),
    def("title", 1, ONE, false, string::title),
    def("tobool", 1, ONE, false, conversion::tobool),
    def("tolist", 1, ONE, true, conversion::tolist),
    def("tomap", 1, ONE, true, conversion::tomap),
    def("tonumber", 1, ONE, false, conversion::tonumber),
    def("toset", 1, ONE, true, conversion::toset),
    def("tostring", 1, ONE, false, conversion::tostring),
    def("transpose", 1, ONE, false, collection::transpose),
    def("trim", 2, TWO, false, string::trim),
    def("trimprefix", 2, TWO, false, string::trimprefix),
    def("trimspace", 1, ONE, false, string::trimspace),
    def("trimsuffix", 2, TWO, false, string::trimsuffix),
    def("upper", 1, ONE, false, string::upper),
    def("urlencode", 1, ONE, false, encoding::urlencode),
    def("uuid", 0, Some(0), false, crypto::impure),
    def("uuidv5", 2, TWO, false, crypto::uuidv5),
    def("values", 1, ONE, true, collection::values).marks(),
    def("yamldecode", 1, ONE, false, yamldecode::yamldecode),
    def("yamlencode", 1, ONE, false, yaml::yamlencode),
    def("zipmap", 2, TWO, true, collection::zipmap).marks(),
];

/// Shared helpers for the unit tests of the function modules.
#[cfg(test)]
pub(crate) mod test_support {
    use super::{call, lookup, FnCtx, FnError};
    use crate::eval::value::Value;
    use std::collections::BTreeMap;
    use std::path::Path;

    /// A renderer that substitutes `${name}` with string variables only.
    pub fn fake_render(
        text: &str,
        _name: &str,
        vars: &BTreeMap<String, Value>,
        _dir: &Path,
    ) -> Result<Value, String> {
        let mut out = text.to_string();
        for (k, v) in vars {
            let s = v
                .as_str()
                .ok_or_else(|| format!("variable {k} is not a string"))?;
            out = out.replace(&format!("${{{k}}}"), s);
        }
        if out.contains("${") {
            return Err("unknown template variable".to_string());
        }
        Ok(Value::String(out))
    }

    /// Calls a registered function through [`call`], with `dir` as the module directory.
    pub fn run_in(dir: &Path, name: &str, args: Vec<Value>) -> Result<Value, FnError> {
        let def = lookup(name).unwrap_or_else(|| panic!("function {name} is not registered"));
        call(
            def,
            args,
            &FnCtx {
                base_dir: dir,
                render_template: fake_render,
            },
        )
    }

    /// Calls a registered function from the current directory.
    pub fn run(name: &str, args: Vec<Value>) -> Result<Value, FnError> {
        run_in(Path::new("."), name, args)
    }

    /// Calls a function that must succeed.
    pub fn ok(name: &str, args: Vec<Value>) -> Value {
        run(name, args).unwrap_or_else(|e| panic!("{name} failed: {}", e.message))
    }

    /// Calls a function that must fail, returning the message.
    pub fn err(name: &str, args: Vec<Value>) -> String {
        match run(name, args) {
            Ok(v) => panic!("{name} unexpectedly returned {v:?}"),
            Err(e) => e.message,
        }
    }

    pub fn s(v: &str) -> Value {
        Value::String(v.to_string())
    }

    pub fn n(v: f64) -> Value {
        Value::Number(v)
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(items)
    }

    pub fn strs(items: &[&str]) -> Value {
        Value::List(items.iter().map(|i| s(i)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn registry_is_sorted_and_unique() {
        for w in REGISTRY.windows(2) {
            assert!(
                w[0].name < w[1].name,
                "{} must sort before {}",
                w[0].name,
                w[1].name
            );
        }
        assert!(lookup("cidrsubnet").is_some());
        assert!(lookup("nope").is_none());
        assert!(names().any(|n| n == "try"));
    }

    #[test]
    fn arity_is_checked() {
        assert_eq!(
            err("upper", vec![]),
            "upper() takes 1 argument, but 0 given"
        );
        assert_eq!(
            err("lookup", vec![s("a")]),
            "lookup() takes 2 to 3 arguments, but 1 given"
        );
        assert_eq!(
            err("setproduct", vec![s("a")]),
            "setproduct() takes at least 2 arguments, but 1 given"
        );
    }

    #[test]
    fn unknown_and_sensitive_rules() {
        assert_eq!(ok("upper", vec![Value::Unknown]), Value::Unknown);
        assert_eq!(ok("upper", vec![s("a").sensitive()]), s("A").sensitive());
        assert_eq!(
            ok("upper", vec![Value::Unknown.sensitive()]),
            Value::Unknown.sensitive()
        );
    }

    #[test]
    fn marks_stay_on_elements_passed_through() {
        let pw = || s("pw").sensitive();
        let m = ok(
            "merge",
            vec![Value::map([("a", pw())]), Value::map([("b", s("bee"))])],
        );
        assert_eq!(m, Value::map([("a", pw()), ("b", s("bee"))]));
        assert_eq!(
            ok("merge", vec![Value::map([("a", s("x"))]).sensitive()]),
            Value::map([("a", s("x"))]).sensitive()
        );
        assert_eq!(ok("length", vec![list(vec![pw(), s("x")])]), n(2.0));
        assert_eq!(ok("length", vec![pw()]), n(2.0).sensitive());
        assert_eq!(
            ok("concat", vec![list(vec![pw()]), strs(&["x"])]),
            list(vec![pw(), s("x")])
        );
        assert_eq!(
            ok("element", vec![list(vec![pw(), s("x")]), n(1.0)]),
            s("x")
        );
        assert_eq!(ok("element", vec![list(vec![pw(), s("x")]), n(0.0)]), pw());
        assert_eq!(
            ok(
                "element",
                vec![list(vec![pw(), s("x")]), n(1.0).sensitive()]
            ),
            s("x").sensitive()
        );
        let obj = Value::map([("k", pw()), ("j", s("x"))]);
        assert_eq!(ok("lookup", vec![obj.clone(), s("j")]), s("x"));
        assert_eq!(ok("lookup", vec![obj.clone(), s("k")]), pw());
        assert_eq!(ok("keys", vec![obj.clone()]), strs(&["j", "k"]));
        assert_eq!(ok("values", vec![obj.clone()]), list(vec![s("x"), pw()]));
        assert_eq!(
            ok("slice", vec![list(vec![pw(), s("x")]), n(1.0), n(2.0)]),
            strs(&["x"])
        );
        assert_eq!(
            ok("reverse", vec![list(vec![pw(), s("x")])]),
            list(vec![s("x"), pw()])
        );
        assert_eq!(ok("one", vec![list(vec![pw()])]), pw());
        assert_eq!(
            ok("coalescelist", vec![list(vec![]), list(vec![pw()])]),
            list(vec![pw()])
        );
        // A sensitive nested list marks each element taken out of it.
        assert_eq!(
            ok(
                "flatten",
                vec![list(vec![
                    strs(&["a", "b"]).sensitive(),
                    list(vec![s("c")])
                ])]
            ),
            list(vec![s("a").sensitive(), s("b").sensitive(), s("c")])
        );
        // Values keep their marks; sensitive keys make the whole map sensitive.
        assert_eq!(
            ok("zipmap", vec![strs(&["a", "b"]), list(vec![pw(), s("x")])]),
            Value::map([("a", pw()), ("b", s("x"))])
        );
        assert_eq!(
            ok("zipmap", vec![list(vec![pw()]), strs(&["x"])]),
            Value::map([("pw", s("x"))]).sensitive()
        );
        // Functions that combine elements into one value stay wholly sensitive.
        assert_eq!(
            ok("join", vec![s(","), list(vec![pw(), s("x")])]),
            s("pw,x").sensitive()
        );
        assert_eq!(
            ok("tolist", vec![list(vec![pw(), s("x")])]),
            strs(&["pw", "x"]).sensitive()
        );
    }

    #[test]
    fn sensitive_and_nonsensitive() {
        assert_eq!(ok("sensitive", vec![s("x")]), s("x").sensitive());
        assert_eq!(
            ok("sensitive", vec![s("x").sensitive()]),
            s("x").sensitive()
        );
        assert_eq!(
            ok("sensitive", vec![Value::Unknown]),
            Value::Unknown.sensitive()
        );
        let nested = list(vec![s("a").sensitive()]);
        assert_eq!(
            ok("sensitive", vec![nested]),
            list(vec![s("a")]).sensitive()
        );
        assert_eq!(ok("nonsensitive", vec![s("x").sensitive()]), s("x"));
        assert_eq!(ok("nonsensitive", vec![s("x")]), s("x"));
        assert_eq!(
            ok("nonsensitive", vec![Value::Unknown.sensitive()]),
            Value::Unknown
        );
        // Only the top-level mark is removed.
        let inner = list(vec![s("a").sensitive()]);
        assert_eq!(ok("nonsensitive", vec![inner.clone()]), inner);
    }

    #[test]
    fn errors_do_not_reveal_sensitive_arguments() {
        let e = err("tonumber", vec![s("hunter2").sensitive()]);
        assert!(!e.contains("hunter2"), "{e}");
        assert!(e.contains("(sensitive value)"), "{e}");
        let e = err("base64decode", vec![s("not base64!").sensitive()]);
        assert!(!e.contains("not base64!"), "{e}");
        let e = err("cidrhost", vec![s("10.0.0.0/24"), n(300.0).sensitive()]);
        assert_eq!(
            e,
            "prefix of 24 does not accommodate a host numbered (sensitive value)"
        );
        let e = err("cidrhost", vec![s("10.0.0.0/8").sensitive(), n(1e9)]);
        assert!(
            !e.contains("10.0.0.0/8") && e.contains("prefix of 8"),
            "{e}"
        );
        let e = err(
            "lookup",
            vec![Value::map([("secret", s("x"))]).sensitive(), s("k")],
        );
        assert_eq!(e, "lookup failed to find key \"k\"");
        // Whole words only: a short secret does not garble other words.
        assert_eq!(replace_word("a b ab b.", "b", "X"), "a X ab X.");
        assert_eq!(
            replace_word("prefix 24 of 240", "24", "X"),
            "prefix X of 240"
        );
    }
}
