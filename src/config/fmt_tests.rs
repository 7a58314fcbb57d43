use super::*;
use std::path::Path;

/// Formats `input`, checks that formatting the result again changes nothing, returns it.
fn fmt(input: &str) -> String {
    let once = format_source(input).unwrap_or_else(|e| panic!("{e}\ninput:\n{input}"));
    let twice = format_source(&once).unwrap_or_else(|e| panic!("{e}\nonce:\n{once}"));
    assert_eq!(once, twice, "not idempotent; input:\n{input}");
    once
}

#[test]
fn spaces_around_equals_and_final_newline() {
    assert_eq!(fmt("a=1"), "a = 1\n");
    assert_eq!(fmt("a   =    \"x\"   \n\n\n"), "a = \"x\"\n");
    assert_eq!(fmt(""), "");
    assert_eq!(fmt("\n\n  \n"), "");
}

#[test]
fn expressions_get_canonical_spacing() {
    let cases = [
        ("a=b.c", "a = b.c\n"),
        ("a=b [ c ]", "a = b[c]\n"),
        ("a=b()[c]", "a = b()[c]\n"),
        ("a=( x+2 )", "a = (x + 2)\n"),
        ("a=( x*-2 )", "a = (x * -2)\n"),
        ("a=(-2+1)", "a = (-2 + 1)\n"),
        ("a=- 1", "a = -1\n"),
        ("a=foo(1, -2,x*y, b,c)", "a = foo(1, -2, x * y, b, c)\n"),
        ("a=foo(x,y...)", "a = foo(x, y...)\n"),
        ("a=! true", "a = !true\n"),
        ("a=x?y:z", "a = x ? y : z\n"),
        ("a=[ [ ] ]", "a = [[]]\n"),
        ("a=[for x in y : x]", "a = [for x in y : x]\n"),
        ("a=[for x in [y] : x]", "a = [for x in [y] : x]\n"),
        (
            "a={for k,v in m:k=>v if v!=\"\"}",
            "a = { for k, v in m : k => v if v != \"\" }\n",
        ),
        ("a={x=1,y=2}", "a = { x = 1, y = 2 }\n"),
        ("a={}", "a = {}\n"),
        ("a=x.*.id", "a = x.*.id\n"),
        ("a=x[*].id", "a = x[*].id\n"),
        ("a=x>=1&&y<2||!z", "a = x >= 1 && y < 2 || !z\n"),
        ("a=x==1", "a = x == 1\n"),
        (
            "a=provider :: aws :: arn_parse(x)",
            "a = provider::aws::arn_parse(x)\n",
        ),
        ("a=var.list-1", "a = var.list-1\n"),
        ("a=var.n - 1", "a = var.n - 1\n"),
        ("a=1.5e3*x", "a = 1.5e3 * x\n"),
        ("a=x.0.id", "a = x.0.id\n"),
    ];
    for (input, want) in cases {
        assert_eq!(fmt(input), want, "input: {input}");
    }
}

#[test]
fn blocks_are_indented_two_spaces_per_level() {
    let input = "resource \"aws_vpc\"   \"main\"{\ncidr_block=\"10.0.0.0/16\"\n\t\ttags {\nName=\"x\"\n      }\n}\n";
    let want = "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n  tags {\n    Name = \"x\"\n  }\n}\n";
    assert_eq!(fmt(input), want);
    assert_eq!(fmt("b{a=1}"), "b { a = 1 }\n");
    assert_eq!(fmt("b{}"), "b {}\n");
    assert_eq!(fmt("b   \"x\"   {\n}"), "b \"x\" {\n}\n");
}

#[test]
fn equals_align_within_a_run_of_single_line_attributes() {
    let input = "a = 1\nbungle = 2\nccc=3\n";
    assert_eq!(fmt(input), "a      = 1\nbungle = 2\nccc    = 3\n");
}

#[test]
fn blank_and_comment_lines_end_an_alignment_run() {
    let input = "a = 1\nbungle = 2\n\nxy = 3\nz = 4\n# note\nlonger_name = 5\nq = 6\n";
    let want =
        "a      = 1\nbungle = 2\n\nxy = 3\nz  = 4\n# note\nlonger_name = 5\nq           = 6\n";
    assert_eq!(fmt(input), want);
}

#[test]
fn blocks_and_multi_line_values_end_an_alignment_run() {
    let input = r#"module "m" {
source = "./m"
name = "x"
tags = {
a = 1
bbb = 2
}
x = 1
region = "eu"
nested {
k = 1
}
long_name = [
1,
2,
]
y = 2
}
"#;
    let want = r#"module "m" {
  source = "./m"
  name   = "x"
  tags = {
    a   = 1
    bbb = 2
  }
  x      = 1
  region = "eu"
  nested {
    k = 1
  }
  long_name = [
    1,
    2,
  ]
  y = 2
}
"#;
    assert_eq!(fmt(input), want);
}

#[test]
fn one_line_object_values_align_with_their_neighbours() {
    let input = "a = { x = 1 }\nlonger = merge(a, { y = 2 })\n";
    assert_eq!(
        fmt(input),
        "a      = { x = 1 }\nlonger = merge(a, { y = 2 })\n"
    );
}

#[test]
fn comments_are_kept_indented_and_aligned() {
    let input = "# top\nb {\n# inside\n   // slashes\na = 1 # one\nbungle = \"bonce\" # two\n/* block */\nzebra = \"striped\"   // three   \n}\n";
    let want = "# top\nb {\n  # inside\n  // slashes\n  a      = 1       # one\n  bungle = \"bonce\" # two\n  /* block */\n  zebra = \"striped\" // three\n}\n";
    assert_eq!(fmt(input), want);
}

#[test]
fn trailing_comments_align_across_lines_without_assignments() {
    let input = "a = 1 # foo\nbungle = (\n    \"bonce\"\n) # baz\nzebra = \"striped\" # baz\n";
    let want = "a = 1 # foo\nbungle = (\n  \"bonce\"\n)                 # baz\nzebra = \"striped\" # baz\n";
    assert_eq!(fmt(input), want);
}

#[test]
fn multi_line_block_comment_keeps_its_content() {
    let input = "b {\n/* first\n     second   \n*/\na = 1\n}\n";
    let want = "b {\n  /* first\n     second\n*/\n  a = 1\n}\n";
    assert_eq!(fmt(input), want);
}

#[test]
fn heredocs_are_untouched() {
    let input = "foo {\nbar = <<EOT\n  Foo   bar = baz  \n    ${ x }\nEOT\nbaz=<<-EOT\n      a  =  b\n    EOT\n}\n";
    let want = "foo {\n  bar = <<EOT\n  Foo   bar = baz  \n    ${ x }\nEOT\n  baz = <<-EOT\n      a  =  b\n    EOT\n}\n";
    assert_eq!(fmt(input), want);
}

#[test]
fn heredoc_holding_its_delimiter_mid_line_and_a_brace() {
    let input = "a = <<EOT\nnot EOT here {\nEOTX\nEOT\nb = 1\n";
    assert_eq!(fmt(input), "a = <<EOT\nnot EOT here {\nEOTX\nEOT\nb = 1\n");
}

#[test]
fn strings_and_interpolations_are_untouched() {
    let input =
        "a=\"x  =  ${ var.a   +1 }  \\\" ${\"{\"} $${lit}\"\nb = \"%{ if x }y%{ endif }\"\n";
    let want =
        "a = \"x  =  ${ var.a   +1 }  \\\" ${\"{\"} $${lit}\"\nb = \"%{ if x }y%{ endif }\"\n";
    assert_eq!(fmt(input), want);
}

#[test]
fn multi_line_lists_objects_and_calls() {
    let input = r#"locals {
list = [
"a",
  "b",
        ]
obj = {
      key = "v"
      other_key = {
  deep = true
      }
    }
call = merge(var.a, {
x = 1
})
}
"#;
    let want = r#"locals {
  list = [
    "a",
    "b",
  ]
  obj = {
    key = "v"
    other_key = {
      deep = true
    }
  }
  call = merge(var.a, {
    x = 1
  })
}
"#;
    assert_eq!(fmt(input), want);
}

#[test]
fn asymmetrical_brackets_follow_the_indent_stack() {
    assert_eq!(
        fmt("a = [[\n[\nb\n]]\n]\n"),
        "a = [[\n  [\n    b\n  ]]\n]\n"
    );
}

#[test]
fn tfvars_files_format_like_bodies() {
    let input = "region=\"eu-west-1\"\napp_count   =   3\nazs=[\"a\",\"b\"]\n";
    let want = "region    = \"eu-west-1\"\napp_count = 3\nazs       = [\"a\", \"b\"]\n";
    assert_eq!(fmt(input), want);
}

#[test]
fn crlf_line_endings_are_kept() {
    let out = fmt("b {\r\na=1\r\nbb = 2\r\n}\r\n");
    assert_eq!(out, "b {\r\n  a  = 1\r\n  bb = 2\r\n}\r\n");
}

#[test]
fn unicode_names_align_by_characters() {
    let input = "é = 1\nbungle = \"ü\" # c\nzz = \"x\"   # d\n";
    assert_eq!(
        fmt(input),
        "é      = 1\nbungle = \"ü\" # c\nzz     = \"x\" # d\n"
    );
}

#[test]
fn syntax_errors_carry_their_position() {
    let err = format_source("a = 1\nb = = 2\n").unwrap_err();
    let FmtError::Syntax { line, col, message } = err else {
        panic!("expected a syntax error, got {err:?}");
    };
    assert_eq!((line, col), (2, 5));
    assert!(message.ends_with('.'), "{message}");
}

#[test]
fn an_unclosed_block_points_at_its_brace() {
    let err = format_source("a = 1\nb \"x\" {\n  c = 2\n").unwrap_err();
    assert_eq!(
        err,
        FmtError::Syntax {
            line: 2,
            col: 7,
            message:
                "The block opened here is not closed: expected `}` before the end of the file."
                    .into()
        }
    );
}

#[test]
fn equivalence_check_finds_the_first_difference() {
    assert_eq!(check_equivalent("a = 1\n b", "a=1 b"), Ok(()));
    assert_eq!(
        check_equivalent("a = 1\nbc", "a = 1\nb"),
        Err(FmtError::Unsafe { line: 2, col: 2 })
    );
}

#[test]
fn repository_configurations_format_idempotently() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut dirs = vec![root.join("examples"), root.join("modules")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "tf" || e == "tfvars") {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 10, "found only {files:?}");
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read");
        let once = format_source(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let twice = format_source(&once).expect("formatted text parses");
        assert_eq!(
            once,
            twice,
            "{} is not formatted idempotently",
            path.display()
        );
    }
}

/// Every prefix of a text full of tricky constructs (most of them invalid HCL) either fails
/// with an error or formats idempotently; none makes the formatter panic.
#[test]
fn truncated_input_never_panics() {
    let sample = "a = \"x ${ \"{\" } $${y} %{ if z }w%{ endif }\" # c\n  b = <<-EOT\n    ${ {k = 1} }\n  EOT\n  c = {for k, v in m : k => v...}\n  /* multi\n  line */ d = -1 // tail\n  e = { \"q\" : 1, é = 2 }\n  f = x.*.y[0] != !true ? 1.5e-3 : provider::p::f()\nb \"l\" {\n  x = [\n    1,\n  ]\n}\n";
    let mut ends: Vec<usize> = sample.char_indices().map(|(i, _)| i).collect();
    ends.push(sample.len());
    let mut formatted = 0;
    for end in ends {
        let prefix = &sample[..end];
        if let Ok(once) = format_source(prefix) {
            assert_eq!(
                format_source(&once).as_ref(),
                Ok(&once),
                "prefix:\n{prefix}"
            );
            formatted += 1;
        }
    }
    assert!(formatted > 40, "only {formatted} prefixes parsed");
}
