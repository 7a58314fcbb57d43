//! Splitting a migration file into statements the way each engine's command-line client does,
//! so a file that runs with `psql -f` or `mysql <` runs here statement by statement, and an
//! error can name the statement's line.
//!
//! PostgreSQL (like psql): `;` ends a statement outside quotes (`'…'`, `E'…'` with backslash
//! escapes, `"…"`, `$tag$…$tag$`), comments (`--`, nested `/* */`) and parentheses, and outside
//! the `BEGIN … END` body of `CREATE [OR REPLACE] FUNCTION|PROCEDURE … BEGIN ATOMIC`.
//!
//! MySQL/MariaDB (like the mysql client): the delimiter (`;`, changed by a `DELIMITER //` line
//! for stored program bodies) ends a statement outside quotes (`'…'` and `"…"` with backslash
//! escapes, `` `…` ``) and comments (`-- `, `#`, `/* */`). Executable comments (`/*! … */`,
//! `/*M! … */`) are statement content.

/// Which client's rules to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Mysql,
}

/// One statement: its text without the delimiter, leading comments and surrounding
/// whitespace, and the 1-based line of the file where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub text: String,
    pub line: usize,
}

/// A quote or comment that is never closed, or a `DELIMITER` line without a delimiter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct SplitError {
    pub line: usize,
    pub message: String,
}

/// Splits `sql` into its statements, in order; statements that are only whitespace or
/// comments are left out.
pub fn split(sql: &str, dialect: Dialect) -> Result<Vec<Statement>, SplitError> {
    let mut s = Splitter {
        src: sql,
        b: sql.as_bytes(),
        dialect,
        i: 0,
        line: 1,
        content: None,
        parens: 0,
        words: Vec::new(),
        begin_depth: 0,
        delimiter: ";".to_string(),
        out: Vec::new(),
    };
    s.run()?;
    Ok(s.out)
}

struct Splitter<'a> {
    src: &'a str,
    b: &'a [u8],
    dialect: Dialect,
    i: usize,
    line: usize,
    /// Offset and line of the current statement's first token.
    content: Option<(usize, usize)>,
    parens: usize,
    /// The statement's first words, lowercased (PostgreSQL's function-body heuristic).
    words: Vec<String>,
    begin_depth: usize,
    delimiter: String,
    out: Vec<Statement>,
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

impl Splitter<'_> {
    fn run(&mut self) -> Result<(), SplitError> {
        while self.i < self.b.len() {
            if self.at_delimiter() {
                self.finish(self.i);
                self.i += match self.dialect {
                    Dialect::Postgres => 1,
                    Dialect::Mysql => self.delimiter.len(),
                };
                continue;
            }
            let c = self.b[self.i];
            let next = self.b.get(self.i + 1).copied();
            match c {
                b'\n' => {
                    self.line += 1;
                    self.i += 1;
                }
                c if c.is_ascii_whitespace() => self.i += 1,
                b'-' if next == Some(b'-') && self.line_comment_at(self.i) => self.skip_line(),
                b'#' if self.dialect == Dialect::Mysql => self.skip_line(),
                b'/' if next == Some(b'*') => self.block_comment()?,
                b'\'' => {
                    self.mark();
                    let escapes = self.dialect == Dialect::Mysql;
                    self.quoted(b'\'', escapes)?;
                }
                b'"' => {
                    self.mark();
                    let escapes = self.dialect == Dialect::Mysql;
                    self.quoted(b'"', escapes)?;
                }
                b'`' if self.dialect == Dialect::Mysql => {
                    self.mark();
                    self.quoted(b'`', false)?;
                }
                b'$' if self.dialect == Dialect::Postgres && self.dollar_tag().is_some() => {
                    self.mark();
                    self.dollar_quoted()?;
                }
                c if is_word_byte(c) => self.word()?,
                b'(' => {
                    self.mark();
                    self.parens += 1;
                    self.i += 1;
                }
                b')' => {
                    self.mark();
                    self.parens = self.parens.saturating_sub(1);
                    self.i += 1;
                }
                _ => {
                    self.mark();
                    self.i += 1;
                }
            }
        }
        self.finish(self.b.len());
        Ok(())
    }

    fn at_delimiter(&self) -> bool {
        match self.dialect {
            Dialect::Postgres => {
                self.b[self.i] == b';' && self.parens == 0 && self.begin_depth == 0
            }
            Dialect::Mysql => self.b[self.i..].starts_with(self.delimiter.as_bytes()),
        }
    }

    /// `--` starts a comment; MySQL wants whitespace (or the end) after it.
    fn line_comment_at(&self, i: usize) -> bool {
        match self.dialect {
            Dialect::Postgres => true,
            Dialect::Mysql => self
                .b
                .get(i + 2)
                .is_none_or(|c| c.is_ascii_whitespace() || c.is_ascii_control()),
        }
    }

    fn mark(&mut self) {
        if self.content.is_none() {
            self.content = Some((self.i, self.line));
        }
    }

    /// Ends the statement at `end` (exclusive).
    fn finish(&mut self, end: usize) {
        if let Some((start, line)) = self.content.take() {
            let text = self.src[start..end].trim_end();
            if !text.is_empty() {
                self.out.push(Statement {
                    text: text.to_string(),
                    line,
                });
            }
        }
        self.parens = 0;
        self.begin_depth = 0;
        self.words.clear();
    }

    /// Moves to `to`, counting lines.
    fn advance_to(&mut self, to: usize) {
        self.line += self.b[self.i..to].iter().filter(|&&c| c == b'\n').count();
        self.i = to;
    }

    fn skip_line(&mut self) {
        let end = self.b[self.i..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(self.b.len(), |p| self.i + p);
        self.i = end;
    }

    fn unterminated(&self, what: &str, line: usize) -> SplitError {
        SplitError {
            line,
            message: format!("{what} that starts here is never closed"),
        }
    }

    fn block_comment(&mut self) -> Result<(), SplitError> {
        let start_line = self.line;
        let rest = &self.b[self.i + 2..];
        if self.dialect == Dialect::Mysql {
            if rest.starts_with(b"!") || rest.starts_with(b"M!") {
                self.mark();
            }
            let Some(p) = find(rest, b"*/") else {
                return Err(self.unterminated("the comment", start_line));
            };
            self.advance_to(self.i + 2 + p + 2);
            return Ok(());
        }
        // PostgreSQL's block comments nest.
        let mut depth = 0usize;
        let mut j = self.i;
        while j + 1 < self.b.len() {
            if self.b[j] == b'/' && self.b[j + 1] == b'*' {
                depth += 1;
                j += 2;
            } else if self.b[j] == b'*' && self.b[j + 1] == b'/' {
                depth -= 1;
                j += 2;
                if depth == 0 {
                    self.advance_to(j);
                    return Ok(());
                }
            } else {
                j += 1;
            }
        }
        Err(self.unterminated("the comment", start_line))
    }

    /// A quoted string or identifier from `self.i` (the opening quote); a doubled quote is
    /// the quote itself, and with `escapes` a backslash escapes the next character.
    fn quoted(&mut self, q: u8, escapes: bool) -> Result<(), SplitError> {
        let start_line = self.line;
        let mut j = self.i + 1;
        while j < self.b.len() {
            let c = self.b[j];
            if escapes && c == b'\\' {
                j += 2;
            } else if c == q {
                if self.b.get(j + 1) == Some(&q) {
                    j += 2;
                } else {
                    self.advance_to(j + 1);
                    return Ok(());
                }
            } else {
                j += 1;
            }
        }
        let what = if q == b'\'' {
            "the string"
        } else {
            "the quoted identifier"
        };
        Err(self.unterminated(what, start_line))
    }

    /// The `$tag$` at `self.i`, if it opens a dollar quote (not a `$1` parameter or a `$` in
    /// an identifier).
    fn dollar_tag(&self) -> Option<&str> {
        if self.i > 0 && is_word_byte(self.b[self.i - 1]) {
            return None;
        }
        let rest = &self.b[self.i + 1..];
        let len = rest.iter().position(|&c| c == b'$')?;
        let tag = &rest[..len];
        let ok = match tag.first() {
            None => true,
            Some(c) if c.is_ascii_digit() => false,
            Some(_) => tag.iter().all(|&c| c != b'$' && is_word_byte(c)),
        };
        ok.then(|| &self.src[self.i..self.i + len + 2])
    }

    fn dollar_quoted(&mut self) -> Result<(), SplitError> {
        let start_line = self.line;
        let tag = self.dollar_tag().unwrap_or("$$").to_string();
        let body = self.i + tag.len();
        match find(&self.b[body..], tag.as_bytes()) {
            Some(p) => {
                self.advance_to(body + p + tag.len());
                Ok(())
            }
            None => Err(self.unterminated("the dollar-quoted string", start_line)),
        }
    }

    fn word(&mut self) -> Result<(), SplitError> {
        let start = self.i;
        let len = self.b[start..]
            .iter()
            .position(|&c| !is_word_byte(c))
            .unwrap_or(self.b.len() - start);
        let word = &self.src[start..start + len];
        if self.dialect == Dialect::Mysql
            && self.content.is_none()
            && word.eq_ignore_ascii_case("delimiter")
            && matches!(self.b.get(start + len), Some(b' ' | b'\t'))
        {
            return self.delimiter_line(start + len);
        }
        self.mark();
        self.i = start + len;
        if self.dialect == Dialect::Postgres {
            if word.eq_ignore_ascii_case("e") && self.b.get(self.i) == Some(&b'\'') {
                return self.quoted(b'\'', true);
            }
            self.track_function_body(word);
        }
        Ok(())
    }

    /// psql's heuristic for `CREATE [OR REPLACE] FUNCTION|PROCEDURE … BEGIN ATOMIC … END`:
    /// inside such a statement, at parenthesis depth 0, `BEGIN` and `CASE` open a block and
    /// `END` closes one; `;` only ends the statement outside blocks.
    fn track_function_body(&mut self, word: &str) {
        let w = word.to_ascii_lowercase();
        if self.words.len() < 4 {
            self.words.push(w.clone());
        }
        let is = |i: usize, names: &[&str]| {
            self.words
                .get(i)
                .is_some_and(|x| names.contains(&x.as_str()))
        };
        let routine = is(0, &["create"])
            && (is(1, &["function", "procedure"])
                || (is(1, &["or"]) && is(2, &["replace"]) && is(3, &["function", "procedure"])));
        if !routine || self.parens > 0 {
            return;
        }
        match w.as_str() {
            "begin" => self.begin_depth += 1,
            "case" if self.begin_depth > 0 => self.begin_depth += 1,
            "end" if self.begin_depth > 0 => self.begin_depth -= 1,
            _ => {}
        }
    }

    /// `DELIMITER <token>` (MySQL): the rest of the line names the new delimiter.
    fn delimiter_line(&mut self, after: usize) -> Result<(), SplitError> {
        let end = self.b[after..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(self.b.len(), |p| after + p);
        let Some(d) = self.src[after..end].split_whitespace().next() else {
            return Err(SplitError {
                line: self.line,
                message: "DELIMITER needs a delimiter, e.g. `DELIMITER //`".into(),
            });
        };
        self.delimiter = d.to_string();
        self.i = end;
        Ok(())
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str, d: Dialect) -> Vec<(usize, String)> {
        split(sql, d)
            .unwrap()
            .into_iter()
            .map(|s| (s.line, s.text))
            .collect()
    }

    #[test]
    fn postgres_statements_quotes_comments_and_lines() {
        let sql = "-- header; not a statement\nCREATE TABLE a (x int, y text default ';');\n\n/* one /* nested; */ still comment; */\nINSERT INTO a VALUES (1, E'it\\'s; fine'), (2, 'it''s');\nCREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;\nSELECT $$a;b$$, \"col;name\" FROM a\n";
        assert_eq!(
            texts(sql, Dialect::Postgres),
            vec![
                (2, "CREATE TABLE a (x int, y text default ';')".to_string()),
                (5, "INSERT INTO a VALUES (1, E'it\\'s; fine'), (2, 'it''s')".to_string()),
                (6, "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql".to_string()),
                (7, "SELECT $$a;b$$, \"col;name\" FROM a".to_string()),
            ]
        );
    }

    #[test]
    fn postgres_begin_atomic_bodies_and_parameters() {
        let sql = "CREATE OR REPLACE FUNCTION g(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\n  SELECT 2;\nEND;\nPREPARE p AS SELECT $1;\nSELECT 'x' AS a$b;";
        let got = texts(sql, Dialect::Postgres);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[0].1.ends_with("SELECT 2;\nEND"));
        assert_eq!(got[1], (6, "PREPARE p AS SELECT $1".to_string()));
        assert_eq!(got[2], (7, "SELECT 'x' AS a$b".to_string()));
        // Outside CREATE FUNCTION, BEGIN is a statement of its own.
        assert_eq!(texts("BEGIN; SELECT 1; END;", Dialect::Postgres).len(), 3);
    }

    #[test]
    fn mysql_quotes_comments_and_delimiter() {
        let sql = "# comment; here\nCREATE TABLE `a;b` (x INT); -- trailing; comment\nINSERT INTO `a;b` VALUES ('it\\'s;'), (\"q\\\";\");\nSELECT 1--1;\n/*!40101 SET NAMES utf8mb4 */;\nDELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND//\nDELIMITER ;\nSELECT 3;";
        let got = texts(sql, Dialect::Mysql);
        assert_eq!(
            got.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
            vec![2, 3, 4, 5, 7, 13]
        );
        assert_eq!(got[0].1, "CREATE TABLE `a;b` (x INT)");
        assert_eq!(
            got[1].1,
            "INSERT INTO `a;b` VALUES ('it\\'s;'), (\"q\\\";\")"
        );
        assert_eq!(got[2].1, "SELECT 1--1");
        assert_eq!(got[3].1, "/*!40101 SET NAMES utf8mb4 */");
        assert_eq!(
            got[4].1,
            "CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND"
        );
        assert_eq!(got[5].1, "SELECT 3");
    }

    #[test]
    fn unterminated_quotes_and_comments_name_their_line() {
        let e = split("SELECT 1;\nSELECT 'abc;\n", Dialect::Postgres).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("string"), "{e}");
        let e = split("SELECT 1;\n\n/* open", Dialect::Mysql).unwrap_err();
        assert_eq!(e.line, 3);
        let e = split("SELECT $x$ never", Dialect::Postgres).unwrap_err();
        assert!(e.message.contains("dollar"), "{e}");
        assert!(split("DELIMITER \nSELECT 1", Dialect::Mysql).is_err());
    }

    #[test]
    fn only_comments_and_empty_statements_yield_nothing() {
        assert!(texts("-- nothing\n;;\n/* x */", Dialect::Postgres).is_empty());
        assert!(texts("# nothing\n;\n", Dialect::Mysql).is_empty());
    }
}
