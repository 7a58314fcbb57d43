//! Built-in functions evaluated through a configuration: each call is a root output, and its
//! value is compared with the result Terraform documents. Also unknown and sensitive
//! propagation, and errors that point at the offending argument.

use crate::support::{load_dir, positions, TempConfig};
use std::collections::BTreeMap;
use terrace::eval::{EvalMode, Value};
use terrace::ops::Loaded;
use terrace::render::{render_diagnostics, Style};

fn s(v: &str) -> Value {
    Value::from(v)
}

fn n(v: f64) -> Value {
    Value::Number(v)
}

fn b(v: bool) -> Value {
    Value::Bool(v)
}

fn strs(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

fn nums(items: &[f64]) -> Value {
    Value::List(items.iter().map(|i| n(*i)).collect())
}

fn list(items: Vec<Value>) -> Value {
    Value::List(items)
}

fn set(items: &[&str]) -> Value {
    Value::set(items.iter().map(|i| s(i)).collect())
}

fn map(items: Vec<(&str, Value)>) -> Value {
    Value::map(items)
}

/// Loads `files` (in validate mode) and returns the root outputs by name, the plain
/// rendering of the diagnostics, and the loaded configuration.
fn load(files: &[(&str, &str)]) -> (BTreeMap<String, Value>, String, Loaded) {
    let cfg = TempConfig::new(files);
    let loaded = load_dir(cfg.path(), &[], EvalMode::Validate);
    let text = render_diagnostics(&loaded.diags, &loaded.config.sources, Style::plain());
    let outputs = loaded.evaluated.outputs.iter().cloned().collect();
    (outputs, text, loaded)
}

/// Writes one output per `(expression, expected value)` after `prelude` (plus any `extra`
/// files), loads the configuration and compares every output, reporting all mismatches.
fn check_with(prelude: &str, extra: &[(&str, &str)], cases: &[(&str, Value)]) {
    let mut main = prelude.to_string();
    for (i, (expr, _)) in cases.iter().enumerate() {
        main.push_str(&format!("output \"o{i}\" {{\n  value = {expr}\n}}\n"));
    }
    let mut files = vec![("main.tf", main.as_str())];
    files.extend_from_slice(extra);
    let (outputs, text, loaded) = load(&files);
    assert!(!loaded.diags.has_errors(), "{text}");
    let mut wrong = Vec::new();
    for (i, (expr, want)) in cases.iter().enumerate() {
        let got = &outputs[&format!("o{i}")];
        if got != want {
            wrong.push(format!("{expr}\n    got:  {got:?}\n    want: {want:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} results differ:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

fn check(cases: &[(&str, Value)]) {
    check_with("", &[], cases);
}

/// Evaluates `call` as the only output (on line 2) and checks that it fails with an error
/// about the call as a whole (Terraform's plain function errors carry no argument index).
fn error_on_call(call: &str, says: &str) -> String {
    let main = format!("output \"e\" {{\n  value = {call}\n}}\n");
    let (_, text, loaded) = load(&[("main.tf", &main)]);
    let pos = positions(&loaded);
    assert_eq!(
        pos.iter().map(|(_, l, c)| (*l, *c)).collect::<Vec<_>>(),
        [(2, 11)],
        "{call}:\n{text}"
    );
    assert!(text.contains(says), "{call}: expected {says:?} in:\n{text}");
    pos[0].0.clone()
}

/// Evaluates `call` as the only output (on line 2) and checks that it fails with an error
/// pointing at the argument written as `arg` (its first occurrence in `call`).
fn error_at(extra: &[(&str, &str)], call: &str, arg: &str, says: &str) {
    let main = format!("output \"e\" {{\n  value = {call}\n}}\n");
    let mut files = vec![("main.tf", main.as_str())];
    files.extend_from_slice(extra);
    let (_, text, loaded) = load(&files);
    let col = 11
        + call
            .find(arg)
            .unwrap_or_else(|| panic!("{arg:?} not in {call:?}"));
    assert_eq!(
        positions(&loaded),
        [("Invalid function argument".to_string(), 2, col)],
        "{call}:\n{text}"
    );
    assert!(text.contains(says), "{call}: expected {says:?} in:\n{text}");
}

// ---------------------------------------------------------------------------------------------
// Values.

#[test]
fn network_functions() {
    check(&[
        (r#"cidrsubnet("10.0.0.0/16", 8, 2)"#, s("10.0.2.0/24")),
        (r#"cidrsubnet("172.16.0.0/12", 4, 2)"#, s("172.18.0.0/16")),
        (r#"cidrsubnet("10.1.2.0/24", 4, 15)"#, s("10.1.2.240/28")),
        (
            r#"cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)"#,
            s("fd00:fd12:3456:7800:a200::/72"),
        ),
        (r#"cidrhost("10.12.112.0/20", 16)"#, s("10.12.112.16")),
        (r#"cidrhost("10.12.112.0/20", 268)"#, s("10.12.113.12")),
        (r#"cidrhost("10.0.0.0/24", -1)"#, s("10.0.0.255")),
        (
            r#"cidrhost("fd00:fd12:3456:7890:00a2::/72", 34)"#,
            s("fd00:fd12:3456:7890::22"),
        ),
        (r#"cidrnetmask("172.16.0.0/12")"#, s("255.240.0.0")),
        (r#"cidrnetmask("10.0.0.0/24")"#, s("255.255.255.0")),
        (
            r#"[for i in range(3) : cidrsubnet("10.0.0.0/16", 8, i)]"#,
            strs(&["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]),
        ),
    ]);
}

#[test]
fn format_and_formatlist() {
    check(&[
        (r#"format("Hello, %s!", "Ander")"#, s("Hello, Ander!")),
        (
            r#"format("There are %d lights", 4)"#,
            s("There are 4 lights"),
        ),
        (r#"format("%-5s|", "a")"#, s("a    |")),
        (r#"format("%5s|", "a")"#, s("    a|")),
        (r#"format("%03d", 7)"#, s("007")),
        (r#"format("%.2f", 3.14159)"#, s("3.14")),
        (
            r#"format("%x %X %o %b", 255, 255, 8, 5)"#,
            s("ff FF 10 101"),
        ),
        (r#"format("%q", "hi")"#, s("\"hi\"")),
        (r#"format("%v %v %v", "a", 1, true)"#, s("a 1 true")),
        (r#"format("%t", true)"#, s("true")),
        (r#"format("100%%")"#, s("100%")),
        (r#"format("%[2]s %[1]s", "a", "b")"#, s("b a")),
        (
            r#"formatlist("Hello, %s!", ["Valentina", "Ander", "Olivia", "Sam"])"#,
            strs(&[
                "Hello, Valentina!",
                "Hello, Ander!",
                "Hello, Olivia!",
                "Hello, Sam!",
            ]),
        ),
        (
            r#"formatlist("%s, %s!", "Salutations", ["Valentina", "Ander"])"#,
            strs(&["Salutations, Valentina!", "Salutations, Ander!"]),
        ),
        (
            r#"formatlist("%s=%d", ["a", "b"], [1, 2])"#,
            strs(&["a=1", "b=2"]),
        ),
    ]);
}

#[test]
fn string_functions() {
    check(&[
        (r#"join(", ", ["foo", "bar", "baz"])"#, s("foo, bar, baz")),
        (r#"join(", ", ["foo"])"#, s("foo")),
        (r#"join("-", ["a"], ["b", "c"])"#, s("a-b-c")),
        (r#"join(",", [])"#, s("")),
        (r#"split(",", "foo,bar,baz")"#, strs(&["foo", "bar", "baz"])),
        (r#"split(",", "foo")"#, strs(&["foo"])),
        (r#"split(",", "")"#, strs(&[""])),
        (r#"replace("1 + 2 + 3", "+", "-")"#, s("1 - 2 - 3")),
        (r#"lower("HELLO")"#, s("hello")),
        (r#"lower("АЛЛО!")"#, s("алло!")),
        (r#"upper("hello")"#, s("HELLO")),
        (r#"upper("алло!")"#, s("АЛЛО!")),
        (r#"title("hello world")"#, s("Hello World")),
        (r#"trimspace("  hello\n\n")"#, s("hello")),
        (r#"trimprefix("helloworld", "hello")"#, s("world")),
        (r#"trimprefix("helloworld", "cat")"#, s("helloworld")),
        (r#"trimsuffix("helloworld", "world")"#, s("hello")),
        (r#"trimsuffix("helloworld", "cat")"#, s("helloworld")),
        (r#"substr("hello world", 1, 4)"#, s("ello")),
        (r#"substr("🤔🤷", 0, 1)"#, s("🤔")),
        (r#"substr("hello world", -5, -1)"#, s("world")),
        (r#"substr("hello world", 7, -1)"#, s("orld")),
        (r#"substr("hello", 3, 10)"#, s("lo")),
    ]);
}

#[test]
fn replace_with_regular_expressions() {
    check(&[
        (
            r#"replace("hello world", "/w.*d/", "everybody")"#,
            s("hello everybody"),
        ),
        (r#"replace("a-b-c", "/(\\w)-/", "$1+")"#, s("a+b+c")),
        (r#"replace("abc", "/^/", "x")"#, s("xabc")),
    ]);
}

#[test]
fn regex_functions() {
    // As written in variable validations of real configurations.
    check(&[
        (r#"regex("[a-z]+", "53ab")"#, s("ab")),
        (r#"regex("(\\d+)-(\\d+)", "10-20")"#, strs(&["10", "20"])),
        (
            r#"regex("(?P<major>\\d+)\\.(?P<minor>\\d+)", "v8.4")"#,
            map(vec![("major", s("8")), ("minor", s("4"))]),
        ),
        (
            r#"can(regex("^[a-z0-9][a-z0-9-]*[a-z0-9]$", "shop-dev"))"#,
            b(true),
        ),
        (
            r#"can(regex("^[A-Za-z][A-Za-z0-9_]{0,63}$", "1db"))"#,
            b(false),
        ),
        (
            r#"regexall("[a-z]+", "1234abcd5678efgh9")"#,
            strs(&["abcd", "efgh"]),
        ),
        (r#"length(regexall("x", "abc")) > 0"#, b(false)),
    ]);
}

#[test]
fn regex_errors() {
    error_on_call(
        r#"regex("[a-z]+", "123")"#,
        "pattern did not match any part of the given string",
    );
    error_at(
        &[],
        r#"regex("(oops", "x")"#,
        r#""(oops""#,
        "invalid regular expression pattern",
    );
}

#[test]
fn date_and_time_functions() {
    check(&[
        (
            r#"formatdate("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z")"#,
            s("02 Jan 2018 23:12 UTC"),
        ),
        (
            r#"formatdate("EEEE, h:mmaa", "2018-01-02T11:05:00-08:00")"#,
            s("Tuesday, 11:05am"),
        ),
        (
            r#"timeadd("2017-11-22T00:00:00Z", "10m")"#,
            s("2017-11-22T00:10:00Z"),
        ),
        (
            r#"timecmp("2017-11-22T00:00:00Z", "2017-11-22T01:00:00+01:00")"#,
            n(0.0),
        ),
        // Impure: unknown while planning, as in Terraform.
        ("timestamp()", Value::Unknown),
        ("uuid()", Value::Unknown),
        (r#"formatdate("YYYY", timestamp())"#, Value::Unknown),
        (r#"can(regex("^\\d{4}-", plantimestamp()))"#, b(true)),
    ]);
    error_at(
        &[],
        r#"formatdate("YYYY", "2018-01-02")"#,
        r#""2018-01-02""#,
        "not a valid RFC3339 timestamp",
    );
}

#[test]
fn more_encoding_and_collection_functions() {
    check(&[
        (
            r#"csvdecode("name,port\nweb,80\ndb,5432\n")"#,
            list(vec![
                map(vec![("name", s("web")), ("port", s("80"))]),
                map(vec![("name", s("db")), ("port", s("5432"))]),
            ]),
        ),
        (
            r#"textencodebase64("Hello World", "UTF-16LE")"#,
            s("SABlAGwAbABvACAAVwBvAHIAbABkAA=="),
        ),
        (
            r#"textdecodebase64("SABlAGwAbABvACAAVwBvAHIAbABkAA==", "UTF-16LE")"#,
            s("Hello World"),
        ),
        (r#"substr(base64gzip("hello"), 0, 4)"#, s("H4sI")),
        (
            r#"uuidv5("dns", "www.terraform.io")"#,
            s("a5008fae-b28c-5ba5-96cd-82b4c53552d6"),
        ),
        (
            r#"matchkeys(["i-1", "i-2", "i-3"], ["a", "b", "a"], ["a"])"#,
            strs(&["i-1", "i-3"]),
        ),
        (r#"issensitive(sensitive("x"))"#, b(true)),
        (r#"issensitive("x")"#, b(false)),
        (r#"ephemeralasnull("x")"#, s("x")),
    ]);
    // Terraform takes the template from a reference, not a literal.
    check_with(
        "locals {\n  tpl = \"Hello, $${name}!\"\n}\n",
        &[],
        &[(
            r#"templatestring(local.tpl, { name = "world" })"#,
            s("Hello, world!"),
        )],
    );
}

#[test]
fn yamldecode_reads_configuration_files() {
    let yaml = "# tiers\nvpc_cidr: 10.0.0.0/16\ntiers:\n  web:\n    port: 80\n    public: true\n  db:\n    port: 5432\n    public: false\nazs: [us-east-1a, us-east-1b]\nuser_data: |\n  #!/bin/bash\n  echo hi\n";
    check_with(
        "",
        &[("config.yaml", yaml)],
        &[
            (
                r#"yamldecode(file("${path.module}/config.yaml")).tiers.db.port"#,
                n(5432.0),
            ),
            (
                r#"[for k, t in yamldecode(file("${path.module}/config.yaml")).tiers : k if t.public]"#,
                strs(&["web"]),
            ),
            (
                r#"yamldecode(file("${path.module}/config.yaml")).user_data"#,
                s("#!/bin/bash\necho hi\n"),
            ),
            (
                r#"yamldecode(file("${path.module}/config.yaml")).azs"#,
                strs(&["us-east-1a", "us-east-1b"]),
            ),
            (
                r#"yamldecode("- 1\n- null\n- x")"#,
                list(vec![n(1.0), Value::Null, s("x")]),
            ),
            (
                r#"yamldecode(yamlencode({ a = [1, "b"] }))"#,
                map(vec![("a", list(vec![n(1.0), s("b")]))]),
            ),
        ],
    );
    error_at(
        &[],
        r#"yamldecode("a: 1\na: 2")"#,
        r#""a: 1\na: 2""#,
        "already defined",
    );
}

#[test]
fn fileset_and_file_hashes() {
    check_with(
        "",
        &[
            ("scripts/a.sh", "echo a\n"),
            ("scripts/b.ps1", "b"),
            ("scripts/nested/c.sh", "c"),
        ],
        &[
            (
                r#"fileset(path.module, "scripts/*.sh")"#,
                set(&["scripts/a.sh"]),
            ),
            (
                r#"fileset("${path.module}/scripts", "**/*.{sh,ps1}")"#,
                set(&["a.sh", "b.ps1", "nested/c.sh"]),
            ),
            (
                r#"filebase64sha256("${path.module}/scripts/b.ps1")"#,
                s("PiPoFgA5WUoziU9lZOGxNIu9egCI1CxKy3PurtWcAJ0="),
            ),
            (
                r#"[for f in fileset(path.module, "scripts/nested/*") : basename(f)]"#,
                strs(&["c.sh"]),
            ),
        ],
    );
}

#[test]
fn collection_functions() {
    check(&[
        ("length([])", n(0.0)),
        (r#"length(["a", "b"])"#, n(2.0)),
        (r#"length({ "a" = "b" })"#, n(1.0)),
        (r#"length("hello")"#, n(5.0)),
        (r#"length("👾🕹️")"#, n(2.0)),
        (r#"element(["a", "b", "c"], 1)"#, s("b")),
        (r#"element(["a", "b", "c"], 3)"#, s("a")),
        (
            r#"element(["a", "b", "c"], length(["a", "b", "c"]) - 1)"#,
            s("c"),
        ),
        (r#"index(["a", "b", "c"], "b")"#, n(1.0)),
        (r#"lookup({ a = "ay", b = "bee" }, "a", "what?")"#, s("ay")),
        (
            r#"lookup({ a = "ay", b = "bee" }, "c", "what?")"#,
            s("what?"),
        ),
        (
            r#"merge({ a = "b", c = "d" }, { e = "f", c = "z" })"#,
            map(vec![("a", s("b")), ("c", s("z")), ("e", s("f"))]),
        ),
        (
            r#"merge({ a = "b" }, { a = [1, 2], c = "z" }, { d = 3 })"#,
            map(vec![("a", nums(&[1.0, 2.0])), ("c", s("z")), ("d", n(3.0))]),
        ),
        (
            r#"concat(["a", ""], ["b", "c"])"#,
            strs(&["a", "", "b", "c"]),
        ),
        (
            r#"flatten([["a", "b"], [], ["c"]])"#,
            strs(&["a", "b", "c"]),
        ),
        (
            r#"flatten([[["a", "b"], []], ["c"]])"#,
            strs(&["a", "b", "c"]),
        ),
        (
            r#"distinct(["a", "b", "a", "c", "d", "b"])"#,
            strs(&["a", "b", "c", "d"]),
        ),
        ("keys({ a = 1, c = 2, d = 3 })", strs(&["a", "c", "d"])),
        ("values({ a = 3, c = 2, d = 1 })", nums(&[3.0, 2.0, 1.0])),
        (r#"contains(["a", "b", "c"], "a")"#, b(true)),
        (r#"contains(["a", "b", "c"], "d")"#, b(false)),
        (r#"coalesce("a", "b")"#, s("a")),
        (r#"coalesce("", "b")"#, s("b")),
        ("coalesce(1, 2)", n(1.0)),
        (r#"coalesce(null, "x")"#, s("x")),
        (
            r#"compact(["a", "", "b", null, "c"])"#,
            strs(&["a", "b", "c"]),
        ),
        (
            r#"zipmap(["a", "b"], [1, 2])"#,
            map(vec![("a", n(1.0)), ("b", n(2.0))]),
        ),
        (
            r#"zipmap(["a", "b"], ["x", "y"])"#,
            map(vec![("a", s("x")), ("b", s("y"))]),
        ),
        (r#"slice(["a", "b", "c", "d"], 1, 3)"#, strs(&["b", "c"])),
        (r#"slice(["a", "b"], 1, 1)"#, list(vec![])),
        (r#"sort(["e", "d", "a", "x"])"#, strs(&["a", "d", "e", "x"])),
        ("sort([10, 2, 1])", strs(&["1", "10", "2"])),
        ("reverse([1, 2, 3])", nums(&[3.0, 2.0, 1.0])),
    ]);
}

#[test]
fn numeric_functions() {
    check(&[
        ("range(3)", nums(&[0.0, 1.0, 2.0])),
        ("range(1, 4)", nums(&[1.0, 2.0, 3.0])),
        ("range(1, 8, 2)", nums(&[1.0, 3.0, 5.0, 7.0])),
        ("range(1, 4, 0.5)", nums(&[1.0, 1.5, 2.0, 2.5, 3.0, 3.5])),
        ("range(4, 1)", nums(&[4.0, 3.0, 2.0])),
        ("range(10, 5, -2)", nums(&[10.0, 8.0, 6.0])),
        ("range(0)", list(vec![])),
        ("min(12, 54, 3)", n(3.0)),
        ("min([12, 54, 3]...)", n(3.0)),
        ("max(12, 54, 3)", n(54.0)),
        ("max([12, 54, 3]...)", n(54.0)),
        ("max(-1, -7.5)", n(-1.0)),
        ("abs(23)", n(23.0)),
        ("abs(0)", n(0.0)),
        ("abs(-12.4)", n(12.4)),
        ("ceil(5)", n(5.0)),
        ("ceil(5.1)", n(6.0)),
        ("ceil(-5.1)", n(-5.0)),
        ("floor(5)", n(5.0)),
        ("floor(4.9)", n(4.0)),
        ("floor(-4.1)", n(-5.0)),
    ]);
}

#[test]
fn conversion_functions() {
    check(&[
        (r#"toset(["a", "b", "c"])"#, set(&["a", "b", "c"])),
        (r#"toset(["c", "b", "b"])"#, set(&["b", "c"])),
        (r#"toset(["a", "b", 3])"#, set(&["3", "a", "b"])),
        (r#"tolist(toset(["b", "a"]))"#, strs(&["a", "b"])),
        (r#"tolist(["a", "b", 3])"#, strs(&["a", "b", "3"])),
        (
            r#"tomap({ "a" = 1, "b" = 2 })"#,
            map(vec![("a", n(1.0)), ("b", n(2.0))]),
        ),
        (
            r#"tomap({ "a" = "foo", "b" = true })"#,
            map(vec![("a", s("foo")), ("b", s("true"))]),
        ),
        (r#"tostring("hello")"#, s("hello")),
        ("tostring(1)", s("1")),
        ("tostring(true)", s("true")),
        ("tostring(null)", Value::Null),
        ("tonumber(1)", n(1.0)),
        (r#"tonumber("1")"#, n(1.0)),
        (r#"tonumber("-2.5")"#, n(-2.5)),
        ("tonumber(null)", Value::Null),
        ("tobool(true)", b(true)),
        (r#"tobool("true")"#, b(true)),
        (r#"tobool("false")"#, b(false)),
        ("tobool(null)", Value::Null),
    ]);
}

#[test]
fn try_and_can() {
    check_with(
        "locals {\n  m = { a = \"ay\" }\n  l = [\"x\"]\n}\n",
        &[],
        &[
            (r#"try(local.m.a, "fallback")"#, s("ay")),
            (r#"try(local.m.missing, "fallback")"#, s("fallback")),
            (r#"try(local.l[3], local.m.nope, "last")"#, s("last")),
            (r#"try(tonumber("x"), 0)"#, n(0.0)),
            ("can(local.m.a)", b(true)),
            ("can(local.m.missing)", b(false)),
            (r#"can(cidrsubnet("10.0.0.0/16", 40, 1))"#, b(false)),
            (r#"can(regex_is_not_a_function("x"))"#, b(false)),
        ],
    );
}

#[test]
fn encoding_functions() {
    check(&[
        (
            r#"jsonencode({ "hello" = "world" })"#,
            s(r#"{"hello":"world"}"#),
        ),
        (
            r#"jsonencode([1, "a", true, null])"#,
            s(r#"[1,"a",true,null]"#),
        ),
        (
            r#"jsonencode({ b = 1.5, a = ["x"] })"#,
            s(r#"{"a":["x"],"b":1.5}"#),
        ),
        (r#"jsonencode("<a&b>")"#, s(r#""\u003ca\u0026b\u003e""#)),
        (
            r#"jsondecode("{\"hello\": \"world\"}")"#,
            map(vec![("hello", s("world"))]),
        ),
        (r#"jsondecode("true")"#, b(true)),
        (
            r#"jsondecode("[1, \"a\", null]")"#,
            list(vec![n(1.0), s("a"), Value::Null]),
        ),
        (r#"jsondecode(jsonencode({ a = [1, 2] })).a[1]"#, n(2.0)),
        (
            r#"yamlencode({ "a" = "b", "c" = "d" })"#,
            s("\"a\": \"b\"\n\"c\": \"d\"\n"),
        ),
        (
            r#"yamlencode({ "foo" = [1, 2, 3], "bar" = "baz" })"#,
            s("\"bar\": \"baz\"\n\"foo\":\n- 1\n- 2\n- 3\n"),
        ),
        (
            r#"yamlencode({ "foo" = [1, { "a" = "b", "c" = "d" }, 3], "bar" = "baz" })"#,
            s("\"bar\": \"baz\"\n\"foo\":\n- 1\n- \"a\": \"b\"\n  \"c\": \"d\"\n- 3\n"),
        ),
        (r#"yamlencode("a")"#, s("\"a\"\n")),
        ("yamlencode([])", s("[]\n")),
        (r#"yamlencode("multi\nline")"#, s("|-\n  multi\n  line\n")),
        (r#"base64encode("Hello World")"#, s("SGVsbG8gV29ybGQ=")),
        (r#"base64decode("SGVsbG8gV29ybGQ=")"#, s("Hello World")),
        (r#"base64decode(base64encode("ünïcödé"))"#, s("ünïcödé")),
    ]);
}

#[test]
fn crypto_functions() {
    check(&[
        (
            r#"sha256("hello world")"#,
            s("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"),
        ),
        (
            r#"sha256("")"#,
            s("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ),
        (
            r#"md5("hello world")"#,
            s("5eb63bbbe01eeed093cb22bb8f5acdc3"),
        ),
        (r#"md5("")"#, s("d41d8cd98f00b204e9800998ecf8427e")),
    ]);
}

#[test]
fn file_and_templatefile() {
    let tpl = "%{ for addr in ip_addrs ~}\nbackend ${addr}:${port}\n%{ endfor ~}\n";
    check_with(
        "",
        &[
            ("hello.txt", "Hello World"),
            ("backends.tftpl", tpl),
            (
                "greeting.tftpl",
                r#"Hello, ${upper(name)}! You have ${length(items)} items.${cond ? " Yes." : ""}"#,
            ),
        ],
        &[
            (r#"file("${path.module}/hello.txt")"#, s("Hello World")),
            (
                r#"templatefile("${path.module}/backends.tftpl", { port = 8080, ip_addrs = ["10.0.0.1", "10.0.0.2"] })"#,
                s("backend 10.0.0.1:8080\nbackend 10.0.0.2:8080\n"),
            ),
            (
                r#"templatefile("${path.module}/greeting.tftpl", { name = "ana", items = [1, 2], cond = true })"#,
                s("Hello, ANA! You have 2 items. Yes."),
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Unknown and sensitive values.

const VPC: &str = "resource \"aws_vpc\" \"x\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n";

#[test]
fn unknown_arguments_give_unknown_results() {
    check_with(
        VPC,
        &[],
        &[
            ("upper(aws_vpc.x.id)", Value::Unknown),
            (r#"format("id=%s", aws_vpc.x.id)"#, Value::Unknown),
            (r#"join(",", [aws_vpc.x.id, "b"])"#, Value::Unknown),
            (
                "cidrsubnet(aws_vpc.x.cidr_block, 8, length(aws_vpc.x.id))",
                Value::Unknown,
            ),
            ("jsonencode({ id = aws_vpc.x.id })", Value::Unknown),
            ("sha256(aws_vpc.x.arn)", Value::Unknown),
            (r#"contains([aws_vpc.x.id], "vpc-1")"#, Value::Unknown),
            (r#"coalesce(aws_vpc.x.id, "x")"#, Value::Unknown),
            (r#"try(aws_vpc.x.id, "fallback")"#, Value::Unknown),
            ("can(aws_vpc.x.id)", Value::Unknown),
            ("tostring(aws_vpc.x.id)", Value::Unknown),
            // Known parts stay known.
            ("cidrsubnet(aws_vpc.x.cidr_block, 8, 1)", s("10.0.1.0/24")),
            (r#"length([aws_vpc.x.id, "b"])"#, n(2.0)),
            ("keys({ a = aws_vpc.x.id })", strs(&["a"])),
            (
                r#"concat([aws_vpc.x.id], ["b"])"#,
                list(vec![Value::Unknown, s("b")]),
            ),
            (
                r#"lookup({ a = aws_vpc.x.id, b = "bee" }, "b", "none")"#,
                s("bee"),
            ),
            (r#"merge({ a = aws_vpc.x.id }, { b = "bee" }).b"#, s("bee")),
        ],
    );
}

const SECRET: &str = "variable \"pw\" {\n  type      = string\n  default   = \"hunter2hunter2\"\n  sensitive = true\n}\n";

/// Each call on the sensitive variable yields a sensitive value; a plain value next to it
/// stays plain. (The calls sit inside an object so the output's own mark does not hide
/// theirs.)
#[test]
fn sensitive_arguments_give_sensitive_results() {
    let calls = [
        ("upper(var.pw)", s("HUNTER2HUNTER2")),
        ("length(var.pw)", n(14.0)),
        (r#"format("pw=%s", var.pw)"#, s("pw=hunter2hunter2")),
        (
            "sha256(var.pw)",
            s("76880d60191af3b3f803a656b7716f0179928357fc32421ced973ed265e15718"),
        ),
        (
            r#"jsonencode({ p = var.pw })"#,
            s(r#"{"p":"hunter2hunter2"}"#),
        ),
        ("base64encode(var.pw)", s("aHVudGVyMmh1bnRlcjI=")),
        (r#"replace(var.pw, "2", "3")"#, s("hunter3hunter3")),
        (
            r#"cidrsubnet("10.0.0.0/16", 8, length(var.pw))"#,
            s("10.0.14.0/24"),
        ),
    ];
    let mut main = SECRET.to_string();
    for (i, (call, _)) in calls.iter().enumerate() {
        main.push_str(&format!("output \"o{i}\" {{\n  sensitive = true\n  value     = {{ secret = {call}, plain = upper(\"x\") }}\n}}\n"));
    }
    let (outputs, text, loaded) = load(&[("main.tf", &main)]);
    assert!(!loaded.diags.has_errors(), "{text}");
    for (i, (call, want)) in calls.iter().enumerate() {
        let out = &outputs[&format!("o{i}")];
        assert!(
            out.is_sensitive(),
            "{call}: the output is declared sensitive"
        );
        let secret = out.get_attr("secret").unwrap();
        assert!(secret.is_sensitive(), "{call}: {secret:?} is not sensitive");
        assert_eq!(secret.peel(), want, "{call}");
        assert_eq!(out.get_attr("plain"), Some(&s("X")), "{call}");
    }
}

#[test]
fn sensitive_result_needs_a_sensitive_output() {
    let main = format!("{SECRET}output \"o\" {{\n  value = upper(var.pw)\n}}\noutput \"ok\" {{\n  value = nonsensitive(upper(var.pw))\n}}\n");
    let (outputs, text, loaded) = load(&[("main.tf", &main)]);
    assert_eq!(
        positions(&loaded),
        [("Output refers to sensitive values".to_string(), 7, 11)],
        "{text}"
    );
    assert_eq!(outputs["ok"], s("HUNTER2HUNTER2"));
}

/// Terraform's `merge` keeps marks where they are: only the attribute that came from the
/// sensitive value is sensitive, so using another attribute needs no `sensitive = true`.
#[test]
fn merge_keeps_sensitive_marks_on_their_elements() {
    let main = format!("{SECRET}output \"o\" {{\n  value = merge({{ a = var.pw }}, {{ b = \"bee\" }}).b\n}}\noutput \"n\" {{\n  value = length([var.pw, \"x\"])\n}}\n");
    let (outputs, text, loaded) = load(&[("main.tf", &main)]);
    assert!(!loaded.diags.has_errors(), "{text}");
    assert_eq!(outputs["o"], s("bee"));
    assert_eq!(outputs["n"], n(2.0));
}

// ---------------------------------------------------------------------------------------------
// Errors, one or more per family, pointing at the argument at fault.

#[test]
fn network_errors_point_at_the_argument() {
    error_at(
        &[],
        r#"cidrsubnet("10.0.0.0/16", 40, 1)"#,
        "40",
        "insufficient address space",
    );
    error_at(&[], r#"cidrsubnet("10.0.0.0/16", 8, 256)"#, "256", "256");
    error_at(
        &[],
        r#"cidrsubnet("not-a-cidr", 8, 1)"#,
        r#""not-a-cidr""#,
        "invalid CIDR",
    );
    error_at(&[], r#"cidrhost("10.0.0.0/30", 9)"#, "9", "9");
    error_at(
        &[],
        r#"cidrnetmask("10.0.0.0")"#,
        r#""10.0.0.0""#,
        "invalid CIDR",
    );
}

#[test]
fn string_errors_point_at_the_argument() {
    error_at(&[], r#"join(",", "abc")"#, r#""abc""#, "list");
    error_at(&[], r#"substr("hello", "x", 1)"#, r#""x""#, "number");
    error_at(&[], r#"upper(["a"])"#, r#"["a"]"#, "string");
    error_on_call(r#"format("%d", "x")"#, "%d");
    error_on_call(r#"format("%s %s", "x")"#, "not enough arguments");
}

#[test]
fn collection_errors_point_at_the_argument() {
    error_at(&[], r#"slice(["a", "b"], 1, 5)"#, "5", "end index");
    error_at(&[], "element([], 0)", "[]", "empty list");
    error_on_call(r#"index(["a", "b"], "z")"#, "not found");
    error_at(&[], r#"lookup({ a = 1 }, "b")"#, r#""b""#, "\"b\"");
    error_on_call(
        r#"zipmap(["a", "b"], [1])"#,
        "number of keys (2) does not match number of values (1)",
    );
    error_at(&[], r#"merge({ a = 1 }, "b")"#, r#""b""#, "map");
}

#[test]
fn conversion_and_numeric_errors_point_at_the_argument() {
    error_at(&[], r#"tonumber("abc")"#, r#""abc""#, "number");
    error_at(&[], r#"tobool("maybe")"#, r#""maybe""#, "bool");
    error_at(&[], "tostring([1])", "[1]", "string");
    error_at(&[], r#"max(1, "x")"#, r#""x""#, "number");
    error_at(&[], r#"abs("x")"#, r#""x""#, "number");
}

#[test]
fn encoding_and_crypto_errors_point_at_the_argument() {
    error_at(
        &[],
        r#"base64decode("not base64!")"#,
        r#""not base64!""#,
        "base64",
    );
    error_at(&[], r#"jsondecode("{")"#, r#""{""#, "JSON");
    error_at(&[], r#"sha256(["x"])"#, r#"["x"]"#, "string");
}

#[test]
fn filesystem_errors_point_at_the_argument() {
    error_at(
        &[],
        r#"file("${path.module}/missing.txt")"#,
        r#""${path.module}"#,
        "missing.txt",
    );
}

#[test]
fn templatefile_missing_variable_points_at_vars() {
    error_at(
        &[("t.tftpl", "port ${port}\n")],
        r#"templatefile("${path.module}/t.tftpl", { other = 1 })"#,
        "{ other = 1 }",
        "does not contain key \"port\"",
    );
}

/// Terraform words plain function failures "Error in function call" and keeps "Invalid
/// function argument" for errors about one argument.
#[test]
fn plain_function_errors_are_errors_in_function_call() {
    assert_eq!(
        error_on_call(r#"index(["a", "b"], "z")"#, "not found"),
        "Error in function call"
    );
    assert_eq!(
        error_on_call(r#"format("%d", "x")"#, "%d"),
        "Error in function call"
    );
}

#[test]
fn arity_errors_name_the_function() {
    let (_, text, loaded) = load(&[("main.tf", "output \"e\" {\n  value = upper()\n}\n")]);
    assert_eq!(positions(&loaded).len(), 1, "{text}");
    assert_eq!(
        (positions(&loaded)[0].1, positions(&loaded)[0].2),
        (2, 11),
        "{text}"
    );
    assert!(text.contains("upper"), "{text}");
}
