//! A small backtracking regular-expression matcher for `aws_ami`'s `name_regex` (the crate has
//! no regex dependency). Supports the RE2 syntax AMI filters use: literals, `.`, classes
//! (`[a-z0-9_]`, `[^...]`, `\d \w \s` and their negations), anchors `^ $`, groups `( )` and
//! `(?: )`, alternation `|`, and the quantifiers `* + ? {n} {n,} {n,m}` (greedy or lazy).
//! Matching is unanchored, like Go's `MatchString`.

#[derive(Debug, Clone)]
enum Node {
    Char(char),
    Any,
    Class {
        ranges: Vec<(char, char)>,
        negated: bool,
    },
    Start,
    End,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: usize,
        max: Option<usize>,
        greedy: bool,
    },
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub(crate) struct Regex {
    root: Node,
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    src: &'a str,
}

fn class_of(c: char) -> Option<(Vec<(char, char)>, bool)> {
    let digits = vec![('0', '9')];
    let word = vec![('0', '9'), ('A', 'Z'), ('a', 'z'), ('_', '_')];
    let space = vec![(' ', ' '), ('\t', '\r')];
    match c {
        'd' => Some((digits, false)),
        'D' => Some((digits, true)),
        'w' => Some((word, false)),
        'W' => Some((word, true)),
        's' => Some((space, false)),
        'S' => Some((space, true)),
        _ => None,
    }
}

fn escaped_char(c: char) -> char {
    match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        c => c,
    }
}

impl Parser<'_> {
    fn err(&self, what: &str) -> String {
        format!(
            "invalid regular expression {:?}: {what} at offset {}",
            self.src, self.pos
        )
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn alt(&mut self) -> Result<Node, String> {
        let mut alts = vec![self.concat()?];
        while self.eat('|') {
            alts.push(self.concat()?);
        }
        Ok(if alts.len() == 1 {
            alts.remove(0)
        } else {
            Node::Alt(alts)
        })
    }

    fn concat(&mut self) -> Result<Node, String> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            items.push(self.quantified(atom)?);
        }
        Ok(Node::Concat(items))
    }

    fn number(&mut self) -> Option<usize> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.chars[start..self.pos]
            .iter()
            .collect::<String>()
            .parse()
            .ok()
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, String> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                let save = self.pos;
                self.pos += 1;
                let Some(min) = self.number() else {
                    // A literal brace.
                    self.pos = save;
                    return Ok(atom);
                };
                let max = if self.eat(',') {
                    self.number()
                } else {
                    Some(min)
                };
                if !self.eat('}') {
                    return Err(self.err("unterminated repetition"));
                }
                self.pos -= 1;
                (min, max)
            }
            _ => return Ok(atom),
        };
        self.pos += 1;
        if matches!(atom, Node::Start | Node::End) {
            return Err(self.err("nothing to repeat"));
        }
        let greedy = !self.eat('?');
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
            greedy,
        })
    }

    fn atom(&mut self) -> Result<Node, String> {
        let c = self.peek().ok_or_else(|| self.err("unexpected end"))?;
        self.pos += 1;
        match c {
            '.' => Ok(Node::Any),
            '^' => Ok(Node::Start),
            '$' => Ok(Node::End),
            '(' => {
                if self.eat('?') && !self.eat(':') {
                    return Err(self.err("unsupported group flags"));
                }
                let inner = self.alt()?;
                if !self.eat(')') {
                    return Err(self.err("missing )"));
                }
                Ok(inner)
            }
            '[' => self.class(),
            '\\' => {
                let e = self.peek().ok_or_else(|| self.err("trailing backslash"))?;
                self.pos += 1;
                if let Some((ranges, negated)) = class_of(e) {
                    return Ok(Node::Class { ranges, negated });
                }
                match e {
                    'A' => Ok(Node::Start),
                    'z' => Ok(Node::End),
                    'b' | 'B' | 'p' | 'P' => Err(self.err("unsupported escape")),
                    e => Ok(Node::Char(escaped_char(e))),
                }
            }
            '*' | '+' | '?' => Err(self.err("nothing to repeat")),
            c => Ok(Node::Char(c)),
        }
    }

    fn class(&mut self) -> Result<Node, String> {
        let negated = self.eat('^');
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self.peek().ok_or_else(|| self.err("missing ]"))?;
            self.pos += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = if c == '\\' {
                let e = self.peek().ok_or_else(|| self.err("trailing backslash"))?;
                self.pos += 1;
                if let Some((rs, neg)) = class_of(e) {
                    if neg {
                        return Err(self.err("negated class escape inside a class"));
                    }
                    ranges.extend(rs);
                    continue;
                }
                escaped_char(e)
            } else {
                c
            };
            if self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|n| *n != ']') {
                self.pos += 1;
                let mut hi = self.peek().ok_or_else(|| self.err("missing ]"))?;
                self.pos += 1;
                if hi == '\\' {
                    hi = escaped_char(self.peek().ok_or_else(|| self.err("trailing backslash"))?);
                    self.pos += 1;
                }
                if hi < lo {
                    return Err(self.err("invalid class range"));
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        Ok(Node::Class { ranges, negated })
    }
}

impl Regex {
    pub(crate) fn new(src: &str) -> Result<Regex, String> {
        let mut p = Parser {
            chars: src.chars().collect(),
            pos: 0,
            src,
        };
        let root = p.alt()?;
        if p.pos != p.chars.len() {
            return Err(p.err("unmatched )"));
        }
        Ok(Regex { root })
    }

    /// Whether the pattern matches anywhere in `text`.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let m = Matcher { text: &chars };
        (0..=chars.len()).any(|start| m.node(&self.root, start, &mut |_| true))
    }
}

struct Matcher<'a> {
    text: &'a [char],
}

impl Matcher<'_> {
    fn node(&self, n: &Node, pos: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
        let at = self.text.get(pos).copied();
        match n {
            Node::Char(c) => at == Some(*c) && k(pos + 1),
            Node::Any => at.is_some_and(|c| c != '\n') && k(pos + 1),
            Node::Class { ranges, negated } => {
                at.is_some_and(|c| {
                    ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
                }) && k(pos + 1)
            }
            Node::Start => pos == 0 && k(pos),
            Node::End => pos == self.text.len() && k(pos),
            Node::Concat(items) => self.seq(items, pos, k),
            Node::Alt(alts) => alts.iter().any(|a| self.node(a, pos, k)),
            Node::Repeat {
                node,
                min,
                max,
                greedy,
            } => self.repeat(node, *min, *max, *greedy, 0, pos, k),
        }
    }

    fn seq(&self, items: &[Node], pos: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
        match items.split_first() {
            None => k(pos),
            Some((first, rest)) => self.node(first, pos, &mut |p| self.seq(rest, p, k)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn repeat(
        &self,
        n: &Node,
        min: usize,
        max: Option<usize>,
        greedy: bool,
        count: usize,
        pos: usize,
        k: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        let can_more = max.is_none_or(|m| count < m);
        let more = |k: &mut dyn FnMut(usize) -> bool| {
            can_more
                && self.node(n, pos, &mut |p| {
                    (p != pos || count < min) && self.repeat(n, min, max, greedy, count + 1, p, k)
                })
        };
        // Greedy: one more repetition first, then stopping; lazy: the other way round.
        let order = if greedy { [true, false] } else { [false, true] };
        order.into_iter().any(|again| {
            if again {
                more(k)
            } else {
                count >= min && k(pos)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Regex;

    fn m(re: &str, s: &str) -> bool {
        Regex::new(re).unwrap().is_match(s)
    }

    #[test]
    fn ami_name_patterns() {
        let re = "^ubuntu/images/hvm-ssd/ubuntu-jammy-22\\.04-amd64-server-\\d+$";
        assert!(m(
            re,
            "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240101"
        ));
        assert!(!m(
            re,
            "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-20240101"
        ));
        assert!(!m(
            re,
            "ubuntu/images/hvm-ssd/ubuntu-jammy-22x04-amd64-server-20240101"
        ));
        assert!(m(
            "amzn2-ami-hvm-.*-x86_64-gp2",
            "amzn2-ami-hvm-2.0.2024-x86_64-gp2"
        ));
        assert!(m("^(foo|bar)[0-9]{2,3}$", "bar123"));
        assert!(!m("^(foo|bar)[0-9]{2,3}$", "bar1234"));
        assert!(m("a.*?b", "xxaxxbyy"));
        assert!(m("[^a-c]x", "dx"));
        assert!(!m("^[^a-c]x", "bx"));
        assert!(m("ubuntu", "my-ubuntu-image"));
        assert!(m("^$", ""));
        assert!(m("(a*)*b", "aaab"));
        assert!(m("x{2}", "axxb"));
        assert!(m("[\\w-]+\\s", "ab-c d"));
    }

    #[test]
    fn bad_patterns() {
        assert!(Regex::new("(abc").is_err());
        assert!(Regex::new("abc)").is_err());
        assert!(Regex::new("[abc").is_err());
        assert!(Regex::new("*a").is_err());
        assert!(Regex::new("(?i)a").is_err());
    }
}
